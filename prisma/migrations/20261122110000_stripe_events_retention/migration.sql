-- Retention of the Stripe inbox: the sweep deletes applied and ignored events older than
-- STRIPE_EVENTS_RETENTION_DAYS, oldest first, in bounded batches. This index serves that scan;
-- unapplied events (processed_at IS NULL) are outside it and never deleted
-- (stripe_events_open_idx serves the re-queue scan over them).
CREATE INDEX stripe_events_finished_idx ON stripe_events (processed_at) WHERE processed_at IS NOT NULL;
