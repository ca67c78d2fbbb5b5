-- Email that customers send to the desk (README "Email replies"): each message is stored raw and
-- encrypted before the listener or the mailbox poller lets go of it, then the `inbound-email` job
-- reads it, takes its new text and threads it (or says why not). The same message delivered twice
-- (the same Message-ID) is stored once.
CREATE TABLE inbound_messages (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- the Message-ID without its angle brackets; when a message has none, "sha256:" and the hash of its bytes
  message_key   text NOT NULL UNIQUE,
  via           text NOT NULL CHECK (via IN ('smtp', 'imap')),
  -- the SMTP envelope (or, polled, the mailbox it came from) as received
  envelope_from text,
  envelope_to   text[] NOT NULL DEFAULT '{}',
  size          integer NOT NULL CHECK (size >= 0),
  -- the raw message sealed with the uploaded files' cipher (context `inbound <message_key>`), and that key's id
  raw_key_id    text NOT NULL,
  raw_enc       bytea NOT NULL,
  -- received → processed; what came of it is `outcome`
  status        text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed')),
  -- answer | message | reopened | follow_up: threaded; invalid_token | auto_reply | loop | oversize |
  -- unparseable: not threaded (counted, shown to admins); bounce: a delivery report about one of our emails
  outcome       text,
  request_id    bigint REFERENCES recovery_requests (id),
  -- the email of ours a bounce is about
  email_id      bigint REFERENCES emails (id),
  from_address  text,
  subject       text,
  received_at   timestamptz NOT NULL DEFAULT now(),
  processed_at  timestamptz
);
CREATE INDEX inbound_messages_waiting ON inbound_messages (id) WHERE status = 'received';
CREATE INDEX inbound_messages_request ON inbound_messages (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX inbound_messages_outcome ON inbound_messages (outcome, received_at);

-- Reply addresses: each email to a requester carries `Reply-To: reply+<token>@INBOUND_DOMAIN`, a
-- token of its own (as status links are), stored only as its hash. The token names the request.
CREATE TABLE reply_tokens (
  token_hash  text PRIMARY KEY,
  request_id  bigint NOT NULL REFERENCES recovery_requests (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reply_tokens_request ON reply_tokens (request_id);
