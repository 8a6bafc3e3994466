-- Indexes for two sweeps that look across tenants every minute or hour (docs/adr/0007-jobs-on-bullmq.md).
-- Both partial, so they hold only what the sweeps look for and stay small however large the tables grow.

-- Replies in flight: the interrupted-replies sweep fails those still pending long after their deadline
-- (their process died). Only pending messages are in it: a handful, against every message ever written.
CREATE INDEX messages_pending ON messages (created_at, tenant_id) WHERE status = 'pending';

-- Built exports expire after 7 days; the export purge deletes them and their archives.
CREATE INDEX tenant_exports_expiry ON tenant_exports (expires_at, tenant_id) WHERE expires_at IS NOT NULL;
