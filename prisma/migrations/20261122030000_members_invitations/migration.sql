-- Members and invitations: delivery state of the email outbox (docs/adr/0004-email-outbox.md).
--
-- available_at is both the lease and the backoff of a pending message: a worker claims a row by
-- moving it into the future (UPDATE ... WHERE status = 'pending' AND available_at <= now(), rows
-- picked with FOR UPDATE SKIP LOCKED), so no other worker takes it while it is being sent; a failed
-- attempt moves it to the time of the next try. A worker that dies mid-send frees its rows when the
-- lease runs out.
ALTER TABLE email_outbox ADD COLUMN available_at timestamptz(3) NOT NULL DEFAULT now();

DROP INDEX email_outbox_pending_idx;
CREATE INDEX email_outbox_pending_idx ON email_outbox (available_at) WHERE status = 'pending';

-- GET /invitations: the tenant's open invitations, newest first (keyset on created_at, id).
CREATE INDEX invitations_created_idx ON invitations (tenant_id, created_at, id);
