-- Usage records reported to Stripe Billing Meters: one per tenant, metric and completed UTC day.
-- The record id is the meter event's identifier, so Stripe drops a repeated report.
CREATE TABLE usage_meter_reports (
  tenant_id   uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid           NOT NULL DEFAULT gen_random_uuid(),
  metric      text           NOT NULL,
  day         date           NOT NULL,
  amount      bigint         NOT NULL,
  reported_at timestamptz(3),
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, metric, day)
);

ALTER TABLE usage_meter_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_meter_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_meter_reports
  USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_meter_reports TO tenantry_tenant_access, tenantry_platform_access;
