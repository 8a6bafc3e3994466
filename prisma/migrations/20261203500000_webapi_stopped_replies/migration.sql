-- A reply its user stopped keeps the text produced so far, as 'stopped' (docs/adr/0016).
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('pending', 'complete', 'failed', 'stopped'));
