-- Chat: each tenant's assistant (configuration and versioned prompt templates), conversations and
-- messages (API and widget alike), and usage counters (the seam the billing issue puts quotas on).

-- Per-tenant limits agreed outside the plan (enterprise deals, the seed demo's chat_per_10s).
ALTER TABLE tenants ADD COLUMN limit_overrides jsonb NOT NULL DEFAULT '{}';

CREATE TABLE assistant_configs (
  tenant_id             uuid           NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  provider              text           NOT NULL DEFAULT 'builtin' CHECK (provider IN ('builtin', 'openai_compatible')),
  model                 text           NOT NULL DEFAULT 'mock-1',
  welcome_message       text           NOT NULL DEFAULT 'Hello! How can I help?',
  temperature           numeric(3, 2)  NOT NULL DEFAULT 0.7 CHECK (temperature >= 0 AND temperature <= 2),
  max_tokens            integer        NOT NULL DEFAULT 512 CHECK (max_tokens BETWEEN 1 AND 32768),
  base_url              text,
  api_key_encrypted     bytea,
  widget_enabled        boolean        NOT NULL DEFAULT false,
  active_prompt_version integer,
  updated_at            timestamptz(3) NOT NULL DEFAULT now()
);

-- Immutable versions of the system prompt template; publishing points assistant_configs at one.
CREATE TABLE prompt_templates (
  tenant_id  uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  version    integer        NOT NULL CHECK (version > 0),
  template   text           NOT NULL,
  created_by uuid           REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);
ALTER TABLE assistant_configs
  ADD CONSTRAINT assistant_configs_active_prompt_fkey FOREIGN KEY (tenant_id, active_prompt_version)
  REFERENCES prompt_templates (tenant_id, version);

CREATE TABLE conversations (
  tenant_id  uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id         uuid           NOT NULL DEFAULT gen_random_uuid(),
  channel    text           NOT NULL CHECK (channel IN ('api', 'widget')),
  user_id    uuid           REFERENCES users (id) ON DELETE SET NULL,
  title      text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX conversations_recent_idx ON conversations (tenant_id, updated_at DESC, id DESC);

CREATE TABLE messages (
  tenant_id         uuid           NOT NULL,
  id                uuid           NOT NULL DEFAULT gen_random_uuid(),
  conversation_id   uuid           NOT NULL,
  role              text           NOT NULL CHECK (role IN ('user', 'assistant')),
  content           text           NOT NULL,
  status            text           NOT NULL DEFAULT 'complete' CHECK (status IN ('pending', 'complete', 'failed')),
  model             text,
  prompt_tokens     integer        NOT NULL DEFAULT 0,
  completion_tokens integer        NOT NULL DEFAULT 0,
  error             text,
  created_at        timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_conversation_idx ON messages (tenant_id, conversation_id, created_at, id);

-- Usage per tenant, metric and billing period. `used` is consumed, `reserved` is held by calls in
-- flight (reserve before a model call, settle on the real count, release on failure).
CREATE TABLE usage_counters (
  tenant_id    uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  metric       text           NOT NULL CHECK (metric IN ('messages', 'tokens', 'api_calls', 'seats')),
  period_start date           NOT NULL,
  used         bigint         NOT NULL DEFAULT 0 CHECK (used >= 0),
  reserved     bigint         NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  updated_at   timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, metric, period_start)
);

CREATE TABLE usage_daily (
  tenant_id uuid   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  metric    text   NOT NULL CHECK (metric IN ('messages', 'tokens', 'api_calls', 'seats')),
  day       date   NOT NULL,
  amount    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, metric, day)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['assistant_configs', 'prompt_templates', 'conversations', 'messages', 'usage_counters', 'usage_daily'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO tenantry_tenant_access, tenantry_platform_access', t);
  END LOOP;
END
$$;
-- Prompt versions are immutable history.
REVOKE UPDATE, DELETE ON prompt_templates FROM tenantry_tenant_access;
