-- Kernel: access roles, the platform-level tenants table, and the first tenant-owned table.
--
-- Every tenant-owned table follows one recipe (docs/adr/0003-row-level-security.md):
--   tenant_id uuid NOT NULL, leading its primary key and every foreign key to a tenant-owned table;
--   RLS ENABLED and FORCED; one policy `tenant_isolation` with USING and WITH CHECK on
--   tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid);
--   grants to tenantry_tenant_access and tenantry_platform_access only.
-- The server refuses to start if a table with a tenant_id column breaks the recipe.

-- Group roles that hold table privileges. `npm run db:migrate` creates the login roles named in
-- APP_DATABASE_URL (member of tenantry_tenant_access, NOBYPASSRLS) and PLATFORM_DATABASE_URL
-- (member of tenantry_platform_access, BYPASSRLS) and grants them these groups.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenantry_tenant_access') THEN
    CREATE ROLE tenantry_tenant_access NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenantry_platform_access') THEN
    CREATE ROLE tenantry_platform_access NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenantry_tenant_access, tenantry_platform_access;

CREATE TYPE tenant_status AS ENUM ('active', 'suspended', 'deleted');

CREATE TABLE tenants (
  id         uuid          NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  slug       text          NOT NULL,
  name       text          NOT NULL,
  status     tenant_status NOT NULL DEFAULT 'active',
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$')
);
CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug);

-- tenants is platform-level (its id IS the tenant id): any tenant-facing session may read it (the
-- public widget resolves a slug before any tenant is known) and create it (signup), but only the
-- tenant in context may change its own row. Deletion is platform work.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_read ON tenants FOR SELECT USING (true);
CREATE POLICY tenants_create ON tenants FOR INSERT WITH CHECK (true);
CREATE POLICY tenants_update_own ON tenants FOR UPDATE
  USING (id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE ON tenants TO tenantry_tenant_access;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO tenantry_platform_access;

CREATE TABLE tenant_settings (
  tenant_id     uuid           NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  display_name  text           NOT NULL,
  locale        text           NOT NULL DEFAULT 'en',
  timezone      text           NOT NULL DEFAULT 'UTC',
  support_email text,
  updated_at    timestamptz(3) NOT NULL DEFAULT now()
);
ALTER TABLE tenant_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_settings
  USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_settings TO tenantry_tenant_access, tenantry_platform_access;
