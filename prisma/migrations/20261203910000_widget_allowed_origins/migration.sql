-- The websites allowed to embed a tenant's widget (docs/adr/0021-embeddable-widget.md): serialized
-- origins (`scheme://host[:port]`, lowercase, default port dropped), normalised and deduplicated
-- by the API. Empty: no website is listed (any origin in development, none in production).
ALTER TABLE assistant_configs
  ADD COLUMN allowed_origins text[] NOT NULL DEFAULT ARRAY[]::text[]
  CHECK (cardinality(allowed_origins) <= 50);
