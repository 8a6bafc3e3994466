-- Who consumed the tenant's usage: per day, member, API key and model (the overview's breakdown).
-- usage_counters and usage_daily stay the source of truth for quotas; this only attributes what a
-- settled reply consumed. No foreign keys on user_id and api_key_id: a removed member's or revoked
-- key's history stays, and SET NULL would merge rows the unique key keeps apart.
CREATE TABLE usage_attribution (
  tenant_id         uuid   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                uuid   NOT NULL DEFAULT gen_random_uuid(),
  day               date   NOT NULL,
  user_id           uuid,
  api_key_id        uuid,
  model             text,
  messages          bigint NOT NULL DEFAULT 0 CHECK (messages >= 0),
  prompt_tokens     bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
  completion_tokens bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX usage_attribution_key ON usage_attribution (tenant_id, day, user_id, api_key_id, model) NULLS NOT DISTINCT;

ALTER TABLE usage_attribution ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_attribution FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_attribution
  USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_attribution TO tenantry_tenant_access, tenantry_platform_access;
