-- Technicians' decisions (README "Decisions"): claims, service levels, approvals, idempotency, replaced codes.

-- One owner at a time; NULL when nobody holds the request.
ALTER TABLE recovery_requests ADD COLUMN claimed_by bigint REFERENCES users (id);
ALTER TABLE recovery_requests ADD COLUMN claimed_at timestamptz;
-- Service levels: set at intake from FIRST_RESPONSE_HOURS and RESOLUTION_HOURS, pushed back by the
-- time spent in waiting_on_customer. Requests filed before this migration get them from created_at.
ALTER TABLE recovery_requests ADD COLUMN first_response_due_at timestamptz;
ALTER TABLE recovery_requests ADD COLUMN resolution_due_at timestamptz;
ALTER TABLE recovery_requests ADD COLUMN first_responded_at timestamptz;
ALTER TABLE recovery_requests ADD COLUMN closed_at timestamptz;
ALTER TABLE recovery_requests ADD COLUMN paused_since timestamptz;
ALTER TABLE recovery_requests ADD COLUMN paused_seconds integer NOT NULL DEFAULT 0;
UPDATE recovery_requests
   SET first_response_due_at = created_at + interval '8 hours',
       resolution_due_at = created_at + interval '72 hours'
 WHERE first_response_due_at IS NULL;
-- The queue sorts open requests by what is due first.
CREATE INDEX recovery_requests_open_due ON recovery_requests (resolution_due_at)
  WHERE status NOT IN ('resolved', 'rejected');
CREATE INDEX recovery_requests_claimed_by ON recovery_requests (claimed_by) WHERE claimed_by IS NOT NULL;

-- Further status tokens (hashes only): a request-info email carries a fresh link, since the
-- acknowledgement's token is stored hashed and cannot be put in a new email.
CREATE TABLE request_status_tokens (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id  bigint NOT NULL REFERENCES recovery_requests (id),
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_status_tokens_request ON request_status_tokens (request_id);

-- What needs a second person: a refund, or a code sent anywhere but the purchaser's address.
-- Bound to the purchase as it was when proposed (price, status, updated_at): a changed record
-- makes the approval stale.
CREATE TABLE approvals (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id          bigint NOT NULL REFERENCES recovery_requests (id),
  kind                text NOT NULL CHECK (kind IN ('refund', 'reissue_elsewhere')),
  purchase_id         bigint NOT NULL REFERENCES purchases (id),
  amount              numeric(12, 2),
  currency            text,
  reissue_mode        text CHECK (reissue_mode IN ('resend', 'replace')),
  to_address          text,
  purchase_status     text NOT NULL,
  purchase_updated_at timestamptz NOT NULL,
  proposed_by         bigint NOT NULL REFERENCES users (id),
  status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_by          bigint REFERENCES users (id),
  decided_at          timestamptz,
  note                text,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approvals_pending ON approvals (created_at) WHERE status = 'pending';
CREATE INDEX approvals_request ON approvals (request_id);
-- At most one open approval per request.
CREATE UNIQUE INDEX approvals_one_pending ON approvals (request_id) WHERE status = 'pending';

-- A decision repeated with the same Idempotency-Key returns the first answer (per user and key).
CREATE TABLE decision_keys (
  user_id      bigint NOT NULL REFERENCES users (id),
  key          text NOT NULL,
  fingerprint  text NOT NULL,
  http_status  integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

-- Codes a licence no longer has: replaced or revoked with a refund. Kept encrypted (never plain),
-- with their fingerprints so a new code is never one a licence had before.
CREATE TABLE activation_code_history (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  purchase_id  bigint NOT NULL REFERENCES purchases (id),
  code_enc     text NOT NULL,
  code_hmac    text,
  reason       text NOT NULL CHECK (reason IN ('replaced', 'refunded')),
  request_id   bigint REFERENCES recovery_requests (id),
  revoked_by   bigint REFERENCES users (id),
  revoked_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activation_code_history_purchase ON activation_code_history (purchase_id);
CREATE INDEX activation_code_history_hmac ON activation_code_history (code_hmac);
CREATE INDEX purchases_activation_code_hmac ON purchases (activation_code_hmac);

-- An email carrying an activation code: html/text hold a masked copy (what pages and the API may
-- show); the bodies as sent are encrypted here and decrypted only by the sender.
ALTER TABLE emails ADD COLUMN secret_html_enc text;
ALTER TABLE emails ADD COLUMN secret_text_enc text;
