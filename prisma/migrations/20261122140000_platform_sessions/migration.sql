-- Platform sessions: a platform administrator who belongs to no tenant signs in to no tenant
-- (docs/adr/0005). Such a session's refresh tokens name no active tenant; its access tokens are
-- `typ: platform` and work on platform-administration routes only.
ALTER TABLE refresh_tokens ALTER COLUMN active_tenant_id DROP NOT NULL;
