-- Billing: plans as data, each tenant's Stripe billing account, and the inbox of Stripe webhook
-- events (docs/adr/0008-stripe-billing.md).

-- Plans are platform-level: the tenant-facing role reads them (pricing page, quotas), only the
-- platform role changes them. `limits` holds seats, messages_per_month, tokens_per_month,
-- chat_per_10s, api_per_minute (numbers) and allowed_models (model names; "*" allows any model);
-- tenants.limit_overrides is merged over it (PlansService.effectiveLimits). stripe_price_id is the
-- recurring price Checkout sells; NULL means not sold self-serve (free, and enterprise: sales-led).
-- STRIPE_PRICE_PRO / STRIPE_PRICE_ENTERPRISE override it per environment.
CREATE TABLE plans (
  id              text           NOT NULL PRIMARY KEY,
  name            text           NOT NULL,
  limits          jsonb          NOT NULL,
  stripe_price_id text,
  sort_order      integer        NOT NULL DEFAULT 0,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  updated_at      timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT plans_id_format CHECK (id ~ '^[a-z][a-z0-9_-]{0,31}$'),
  CONSTRAINT plans_limits_object CHECK (jsonb_typeof(limits) = 'object')
);
-- A price sells one plan: the webhook job maps a subscription's price back to its plan.
CREATE UNIQUE INDEX plans_stripe_price_key ON plans (stripe_price_id) WHERE stripe_price_id IS NOT NULL;
INSERT INTO plans (id, name, sort_order, stripe_price_id, limits) VALUES
  ('free', 'Free', 0, NULL, '{
     "seats": 3, "messages_per_month": 1000, "tokens_per_month": 250000,
     "chat_per_10s": 5, "api_per_minute": 60,
     "allowed_models": ["mock-1", "mock-2", "mock-3"]}'),
  ('pro', 'Pro', 1, NULL, '{
     "seats": 25, "messages_per_month": 50000, "tokens_per_month": 10000000,
     "chat_per_10s": 20, "api_per_minute": 600,
     "allowed_models": ["mock-1", "mock-2", "mock-3", "gpt-4o-mini", "gpt-4.1-mini"]}'),
  ('enterprise', 'Enterprise', 2, NULL, '{
     "seats": 1000, "messages_per_month": 1000000, "tokens_per_month": 500000000,
     "chat_per_10s": 100, "api_per_minute": 6000,
     "allowed_models": ["*"]}');

-- After the seed rows: FORCE applies to the table owner too, and an owner that is not a superuser
-- would be refused these inserts by the read-only policy.
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;
CREATE POLICY plans_read ON plans FOR SELECT USING (true);
GRANT SELECT ON plans TO tenantry_tenant_access;
GRANT SELECT, INSERT, UPDATE, DELETE ON plans TO tenantry_platform_access;

-- Every tenant is on a known plan (the column defaults to 'free').
ALTER TABLE tenants
  ADD CONSTRAINT tenants_plan_fkey FOREIGN KEY (plan) REFERENCES plans (id) ON UPDATE CASCADE ON DELETE RESTRICT;

-- Tenant-owned (the kernel's recipe): one row per tenant that ever started a checkout. The Stripe
-- customer is created once per tenant and reused. The subscription columns are Stripe's state as
-- last applied by the webhook job (re-fetched from Stripe, never taken from a payload);
-- last_event_created orders events (older ones are ignored). billing_suspended_at is set when
-- billing (not an administrator) suspended the tenant, so that only billing resumes it.
CREATE TABLE billing_accounts (
  tenant_id              uuid           NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  stripe_customer_id     text           NOT NULL,
  stripe_subscription_id text,
  subscription_status    text,
  stripe_price_id        text,
  current_period_end     timestamptz(3),
  cancel_at_period_end   boolean        NOT NULL DEFAULT false,
  grace_until            timestamptz(3),
  billing_suspended_at   timestamptz(3),
  last_event_id          text,
  last_event_created     timestamptz(3),
  created_at             timestamptz(3) NOT NULL DEFAULT now(),
  updated_at             timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX billing_accounts_customer_key ON billing_accounts (stripe_customer_id);
ALTER TABLE billing_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_accounts
  USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON billing_accounts TO tenantry_tenant_access, tenantry_platform_access;

-- The inbox of Stripe webhook events, keyed by Stripe's event id: a redelivery finds its row and
-- has no second effect. Platform infrastructure: events arrive before any tenant is known, and
-- their payloads name other tenants' customers, so only the platform role (the inbox repository,
-- src/modules/billing/inbox/) reads or writes it; the tenant-facing role has no grant at all.
CREATE TABLE stripe_events (
  id           text           NOT NULL PRIMARY KEY,
  type         text           NOT NULL,
  -- Stripe's `created` (when the event happened), not when it reached us.
  created      timestamptz(3) NOT NULL,
  livemode     boolean        NOT NULL DEFAULT false,
  payload      jsonb          NOT NULL,
  status       text           NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'processed', 'ignored', 'failed')),
  attempts     integer        NOT NULL DEFAULT 0,
  last_error   text,
  received_at  timestamptz(3) NOT NULL DEFAULT now(),
  processed_at timestamptz(3)
);
CREATE INDEX stripe_events_open_idx ON stripe_events (received_at) WHERE processed_at IS NULL;
ALTER TABLE stripe_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE stripe_events FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON stripe_events TO tenantry_platform_access;
