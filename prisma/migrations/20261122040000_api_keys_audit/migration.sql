-- Indexes for the API-key list and the audit log's filters. Every list is newest first inside one
-- tenant, so each index leads with tenant_id and ends with the list's order.

-- GET /api-keys: keyset pagination on (created_at, id), newest first.
CREATE INDEX api_keys_created_idx ON api_keys (tenant_id, created_at, id);

-- GET /audit-events?targetType=&targetId= and ?actorId=: newest first by seq, without scanning
-- the tenant's whole log. (Exact actions use audit_events_action_idx from the identity migration.)
CREATE INDEX audit_events_target_idx ON audit_events (tenant_id, target_type, target_id, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor_id, seq);
