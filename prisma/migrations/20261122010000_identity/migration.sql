-- Identity and access: users, memberships, sessions (refresh tokens), password resets,
-- invitations, API keys, the audit log, the email outbox, exports; tenant lifecycle columns.
--
-- Session settings read by policies (set by TenantBoundPool in the same transaction as each
-- statement): app.tenant_id (the acting tenant) and app.user_id (the acting user).

ALTER TABLE tenants
  ADD COLUMN plan text NOT NULL DEFAULT 'free',
  ADD COLUMN suspended_at timestamptz(3),
  ADD COLUMN deletion_scheduled_at timestamptz(3),
  ADD COLUMN deleted_at timestamptz(3);

-- Users are platform-level (one person, many tenants). A tenant-facing session sees a user only if
-- it is that user, or the user is a member of the tenant in context.
CREATE TABLE users (
  id                uuid           NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  email             text           NOT NULL,
  name              text           NOT NULL,
  password_hash     text,
  is_platform_admin boolean        NOT NULL DEFAULT false,
  created_at        timestamptz(3) NOT NULL DEFAULT now(),
  updated_at        timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT users_email_normalized CHECK (email = lower(btrim(email)) AND position('@' in email) > 1)
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE memberships (
  tenant_id  uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id    uuid           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text           NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'member')),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships
  USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships TO tenantry_tenant_access, tenantry_platform_access;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read_self_or_member ON users FOR SELECT USING (
  id = (select nullif(current_setting('app.user_id', true), '')::uuid)
  OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id) -- memberships' own RLS limits this to the tenant in context
);
CREATE POLICY users_create ON users FOR INSERT WITH CHECK (true);
CREATE POLICY users_update_self ON users FOR UPDATE
  USING (id = (select nullif(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (id = (select nullif(current_setting('app.user_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE ON users TO tenantry_tenant_access;
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO tenantry_platform_access;

-- Sessions: one row per refresh token; a family is one login's chain of rotations (it follows the
-- user across tenant switches). Reusing a rotated token revokes the whole family. User-owned: a
-- session sees only the rows of the user in context. (active_tenant_id is the session's tenant, not
-- an owner: the table is not tenant-owned.)
CREATE TABLE refresh_tokens (
  id               uuid           NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id          uuid           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id        uuid           NOT NULL,
  active_tenant_id uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  token_hash       bytea          NOT NULL,
  expires_at       timestamptz(3) NOT NULL,
  rotated_at       timestamptz(3),
  revoked_at       timestamptz(3),
  created_at       timestamptz(3) NOT NULL DEFAULT now(),
  ip               text,
  user_agent       text
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (user_id, family_id);

CREATE TABLE password_resets (
  id         uuid           NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id    uuid           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash bytea          NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  used_at    timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX password_resets_hash_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['refresh_tokens', 'password_resets'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY user_isolation ON %I
      USING (user_id = (select nullif(current_setting('app.user_id', true), '')::uuid))
      WITH CHECK (user_id = (select nullif(current_setting('app.user_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO tenantry_tenant_access, tenantry_platform_access', t);
  END LOOP;
END
$$;

-- Tenant-owned tables: the kernel's recipe (0001), composite keys led by tenant_id.
CREATE TABLE invitations (
  tenant_id   uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid           NOT NULL DEFAULT gen_random_uuid(),
  email       text           NOT NULL CHECK (email = lower(btrim(email))),
  role        text           NOT NULL CHECK (role IN ('admin', 'billing', 'member')),
  token_hash  bytea          NOT NULL,
  invited_by  uuid           REFERENCES users (id) ON DELETE SET NULL,
  expires_at  timestamptz(3) NOT NULL,
  accepted_at timestamptz(3),
  accepted_by uuid           REFERENCES users (id) ON DELETE SET NULL,
  revoked_at  timestamptz(3),
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX invitations_hash_key ON invitations (tenant_id, token_hash);
-- At most one open invitation per address and tenant.
CREATE UNIQUE INDEX invitations_open_email_key ON invitations (tenant_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE api_keys (
  tenant_id    uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           uuid           NOT NULL DEFAULT gen_random_uuid(),
  name         text           NOT NULL,
  prefix       text           NOT NULL,
  key_hash     bytea          NOT NULL,
  scopes       text[]         NOT NULL,
  created_by   uuid           REFERENCES users (id) ON DELETE SET NULL,
  expires_at   timestamptz(3),
  revoked_at   timestamptz(3),
  last_used_at timestamptz(3),
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (tenant_id, key_hash);

-- Append-only, hash-chained per tenant: hash = sha256(prev_hash || canonical event).
CREATE TABLE audit_events (
  tenant_id   uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  seq         bigint         NOT NULL,
  id          uuid           NOT NULL DEFAULT gen_random_uuid(),
  actor_type  text           NOT NULL CHECK (actor_type IN ('user', 'api_key', 'platform_admin', 'system')),
  actor_id    text,
  action      text           NOT NULL,
  target_type text,
  target_id   text,
  ip          text,
  user_agent  text,
  data        jsonb          NOT NULL DEFAULT '{}',
  created_at  timestamptz(3) NOT NULL,
  prev_hash   bytea          NOT NULL,
  hash        bytea          NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE UNIQUE INDEX audit_events_id_key ON audit_events (tenant_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (tenant_id, action, seq);
CREATE INDEX audit_events_created_idx ON audit_events (tenant_id, created_at);

CREATE TABLE tenant_exports (
  tenant_id    uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           uuid           NOT NULL DEFAULT gen_random_uuid(),
  status       text           NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
  requested_by uuid           REFERENCES users (id) ON DELETE SET NULL,
  archive      bytea,
  size_bytes   integer,
  error        text,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  completed_at timestamptz(3),
  expires_at   timestamptz(3),
  PRIMARY KEY (tenant_id, id)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['invitations', 'api_keys', 'audit_events', 'tenant_exports'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO tenantry_tenant_access, tenantry_platform_access', t);
  END LOOP;
END
$$;
-- The audit log is append-only for the tenant-facing role: no UPDATE, no DELETE (erasure of a
-- whole tenant cascades from the platform role's delete of the tenant row).
REVOKE UPDATE, DELETE ON audit_events FROM tenantry_tenant_access;

-- Outgoing email, written in the same transaction as the change that causes it and delivered by
-- the mail worker (platform infrastructure, platform role). The tenant-facing role may only add.
CREATE TABLE email_outbox (
  id           uuid           NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  to_address   text           NOT NULL,
  template     text           NOT NULL,
  payload      jsonb          NOT NULL,
  status       text           NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts     integer        NOT NULL DEFAULT 0,
  last_error   text,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  sent_at      timestamptz(3)
);
CREATE INDEX email_outbox_pending_idx ON email_outbox (created_at) WHERE status = 'pending';
ALTER TABLE email_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY email_outbox_append ON email_outbox FOR INSERT WITH CHECK (true);
GRANT INSERT ON email_outbox TO tenantry_tenant_access;
GRANT SELECT, INSERT, UPDATE, DELETE ON email_outbox TO tenantry_platform_access;

-- The two narrow cross-tenant lookups authentication needs, as SECURITY DEFINER functions owned by
-- the migration owner. Everything else runs under RLS.
-- 1. Credentials by email, for login and password-reset requests (the caller knows no user yet).
CREATE FUNCTION auth_credentials(p_email text)
RETURNS TABLE (user_id uuid, password_hash text, is_platform_admin boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id, u.password_hash, u.is_platform_admin FROM users u WHERE u.email = lower(btrim(p_email))
$$;
-- 2. The tenants of the user in context (app.user_id): login's tenant choice, /me, switch-tenant.
CREATE FUNCTION auth_my_tenants()
RETURNS TABLE (tenant_id uuid, slug text, name text, status tenant_status, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, t.slug, t.name, t.status, m.role
    FROM memberships m JOIN tenants t ON t.id = m.tenant_id
   WHERE m.user_id = nullif(current_setting('app.user_id', true), '')::uuid
     AND t.status <> 'deleted'
   ORDER BY m.created_at
$$;
REVOKE ALL ON FUNCTION auth_credentials(text), auth_my_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_credentials(text), auth_my_tenants() TO tenantry_tenant_access;
