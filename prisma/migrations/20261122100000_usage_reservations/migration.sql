-- The usage reservation ledger (docs/adr/0006-usage-seam.md): one row per reservation in flight,
-- written in the same statement that adds its amounts to usage_counters.reserved. Settling or
-- releasing deletes the row and gives back only what the row held; a reservation whose process
-- died expires and is released by the reconciliation job, which leaves the row behind (released_at
-- set) so that a late settle still records its use without releasing twice.
CREATE TABLE usage_reservations (
  tenant_id    uuid           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           uuid           NOT NULL,
  period_start date           NOT NULL,
  -- {"messages": 1, "tokens": 600}: whole, positive amounts of known metrics only.
  amounts      jsonb          NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  expires_at   timestamptz(3) NOT NULL,
  -- Set by the reconciliation when it released the expired reservation; null while held.
  released_at  timestamptz(3),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT usage_reservations_amounts CHECK (
    jsonb_typeof(amounts) = 'object'
    AND amounts - ARRAY['messages', 'tokens', 'api_calls', 'seats'] = '{}'::jsonb
    AND NOT jsonb_path_exists(amounts, '$.* ? (@.type() != "number" || @ <= 0 || @ != @.floor())')
  ),
  CONSTRAINT usage_reservations_expiry CHECK (expires_at > created_at)
);

-- The reconciliation's two scans, across tenants: held reservations past their expiry, and
-- released ones old enough to forget. Both partial, so they stay as small as what they find.
CREATE INDEX usage_reservations_held_expiry ON usage_reservations (expires_at) WHERE released_at IS NULL;
CREATE INDEX usage_reservations_released ON usage_reservations (released_at) WHERE released_at IS NOT NULL;

ALTER TABLE usage_reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_reservations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_reservations
  USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_reservations TO tenantry_tenant_access, tenantry_platform_access;

-- The ledger starts empty, so the counters' reserved amounts must start at 0: what they hold now
-- belongs to no ledger row (leaked by processes that died, or in flight in processes still running
-- the previous release, whose own release clamps at 0). Without this, leaked amounts would stay
-- forever. FORCE ROW LEVEL SECURITY binds the owner too: lift it for this one statement.
ALTER TABLE usage_counters NO FORCE ROW LEVEL SECURITY;
UPDATE usage_counters SET reserved = 0, updated_at = now() WHERE reserved <> 0;
ALTER TABLE usage_counters FORCE ROW LEVEL SECURITY;
