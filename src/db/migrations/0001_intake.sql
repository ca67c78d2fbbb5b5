-- Recovery requests as the customer filed them: canonical identifiers beside the text as typed.
CREATE TABLE recovery_requests (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  reference              text NOT NULL UNIQUE,
  status                 text NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'triage', 'waiting_on_customer', 'pending_approval', 'resolved', 'rejected')),
  status_token_hash      text NOT NULL,
  email                  text NOT NULL,
  name                   text NOT NULL,
  license_number         text,
  license_key            text,
  order_number           text,
  channel                text NOT NULL CHECK (channel IN ('estore', 'partner', 'retail_box')),
  store                  text NOT NULL,
  country                text NOT NULL,
  purchased_on           date NOT NULL,
  reason                 text NOT NULL CHECK (reason IN ('lost', 'removed', 'expired_early')),
  desired_outcome        text NOT NULL CHECK (desired_outcome IN ('recover_code', 'refund')),
  details                text,
  locale                 text NOT NULL CHECK (locale IN ('en', 'de', 'ru')),
  -- what the customer typed, before normalisation, for the technician
  typed                  jsonb NOT NULL,
  client_ip              text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recovery_requests_status_created ON recovery_requests (status, created_at);
CREATE INDEX recovery_requests_email ON recovery_requests (lower(email));
CREATE INDEX recovery_requests_license_number ON recovery_requests (license_number);
CREATE INDEX recovery_requests_license_key ON recovery_requests (license_key);

CREATE TABLE attachments (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id    bigint NOT NULL REFERENCES recovery_requests (id),
  original_name text NOT NULL,
  content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
  size_bytes    integer NOT NULL,
  sha256        text NOT NULL,
  storage_path  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_request ON attachments (request_id);

-- The request's history: who did what, when.
CREATE TABLE request_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id  bigint NOT NULL REFERENCES recovery_requests (id),
  actor       text NOT NULL,
  type        text NOT NULL,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- Every email, rendered when it is decided; the email job only sends what is here.
CREATE TABLE emails (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id   bigint REFERENCES recovery_requests (id),
  template     text NOT NULL,
  locale       text NOT NULL,
  to_address   text NOT NULL,
  subject      text NOT NULL,
  html         text NOT NULL,
  text         text NOT NULL,
  -- the Message-ID's local part: the same on every try, so receivers can tell a resend
  message_uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  -- pending → sending → sent | failed; 'unconfirmed' when a sender died mid-send (never resent automatically)
  status       text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed')),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  sending_since timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz
);
CREATE INDEX emails_request ON emails (request_id);
CREATE INDEX emails_status ON emails (status) WHERE status <> 'sent';

-- Jobs decided inside a transaction; the relay hands them to BullMQ after commit.
CREATE TABLE outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- the BullMQ job id: unique across databases, so a reset database never meets its old jobs in Redis
  job_id         uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  queue          text NOT NULL,
  job_name       text NOT NULL,
  payload        jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  dispatched_at  timestamptz,
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text
);
CREATE INDEX outbox_undispatched ON outbox (id) WHERE dispatched_at IS NULL;
