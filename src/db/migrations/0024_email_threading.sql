-- Threading inbound email (README "Email replies", threading): a delivery report about one of our
-- emails marks it `bounced`; a reply to a request closed more than REOPEN_DAYS ago files a new
-- request linked to the old one by `follow_up_of`.
ALTER TABLE emails DROP CONSTRAINT emails_status_check;
ALTER TABLE emails ADD CONSTRAINT emails_status_check
  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed', 'bounced'));

ALTER TABLE recovery_requests ADD COLUMN follow_up_of bigint REFERENCES recovery_requests (id);
CREATE INDEX recovery_requests_follow_up_of ON recovery_requests (follow_up_of) WHERE follow_up_of IS NOT NULL;

-- The admin page of messages that were not threaded lists the newest first.
CREATE INDEX inbound_messages_received ON inbound_messages (received_at DESC);
