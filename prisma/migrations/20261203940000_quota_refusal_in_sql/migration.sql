-- A quota refusal decided inside the reservation statement itself (docs/adr/0018, decision 13):
-- the statement that adds a reservation to the counters compares each counter with its limit and,
-- when one is over, calls this function, which raises SQLSTATE TQ001 with the metric, the limit
-- and the amount used as JSON in DETAIL. The error aborts the statement and everything sent with
-- it in the same transaction (the chat turn's messages), so a refused reservation leaves nothing
-- behind, and the reservation and the turn's writes travel in one round trip.
CREATE FUNCTION usage_quota_refused(p_metric text, p_limit bigint, p_used bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION 'quota_exceeded: % over its limit of %', p_metric, p_limit
    USING ERRCODE = 'TQ001',
          DETAIL = json_build_object('metric', p_metric, 'limit', p_limit, 'used', p_used)::text;
END
$$;
REVOKE ALL ON FUNCTION usage_quota_refused(text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION usage_quota_refused(text, bigint, bigint) TO tenantry_tenant_access;
