-- The tenant's own view of its API traffic (docs/adr/0019-observability.md): per tenant, per day
-- (UTC) and per API key (NULL: requests of signed-in users), the request count, the error count
-- (5xx) and a latency histogram. Written in batches by the HTTP recorder's TrafficMeter (like
-- ApiCallMeter), read by GET /usage/traffic; never from Prometheus.
-- latency_buckets[i] counts requests at or under the i-th bound of
-- {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000} ms; the 12th counts the slower ones.
CREATE TABLE api_traffic_daily (
  tenant_id       uuid     NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id              uuid     NOT NULL DEFAULT gen_random_uuid(),
  day             date     NOT NULL,
  -- No foreign key: a revoked or deleted key's traffic stays in the tenant's history.
  api_key_id      uuid,
  requests        bigint   NOT NULL DEFAULT 0 CHECK (requests >= 0),
  client_errors   bigint   NOT NULL DEFAULT 0 CHECK (client_errors >= 0),
  errors          bigint   NOT NULL DEFAULT 0 CHECK (errors >= 0),
  latency_buckets bigint[] NOT NULL CHECK (cardinality(latency_buckets) = 12),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_traffic_daily_key ON api_traffic_daily (tenant_id, day, api_key_id) NULLS NOT DISTINCT;

ALTER TABLE api_traffic_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_traffic_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_traffic_daily
  USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON api_traffic_daily TO tenantry_tenant_access, tenantry_platform_access;
