-- An API key may be limited below its tenant's plan rate (api_per_minute): requests per minute of
-- this key alone. NULL: the plan's rate. The tenant's limit still applies to the sum of its keys.
ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0);
