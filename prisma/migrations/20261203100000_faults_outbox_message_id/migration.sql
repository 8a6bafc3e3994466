-- One stable Message-ID per outbox row, across every attempt (docs/adr/0012-surviving-faults.md):
-- set at the first claim, sent as the Message-ID header each time, so that a message delivered
-- twice (a worker killed between SMTP acceptance and "sent") is recognisable as one.
ALTER TABLE email_outbox ADD COLUMN message_id text;
