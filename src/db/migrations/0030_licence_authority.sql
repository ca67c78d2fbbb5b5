-- The calls the desk makes to the vendor's licensing system (README "Licence authority", SPEC §14):
-- one row per operation, written in the transaction of the decision that causes it with its
-- `licence-authority` outbox job. The row's idempotency_key goes with every try, so the authority
-- acts once however often the desk retries.
CREATE TABLE authority_calls (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- replacement: ask for a new code (the request waits for it); revocation, refund: report one.
  kind            text NOT NULL CHECK (kind IN ('replacement', 'revocation', 'refund')),
  -- pending until the authority answers 2xx (done) or refuses for good (refused: a 4xx but 408/429).
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'refused')),
  idempotency_key uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  request_id      bigint NOT NULL REFERENCES recovery_requests (id),
  purchase_id     bigint NOT NULL REFERENCES purchases (id),
  -- The approval that decided it (a refund; a replaced code sent to another address), if any.
  approval_id     bigint REFERENCES approvals (id),
  -- Who decided: the new code's history event and the old code's revocation name them.
  decided_by      bigint REFERENCES users (id),
  -- What the authority is told: lost_code for a replacement, replaced for a revocation, refunded.
  reason          text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  -- The last failed try (status code or network error) or the refusal, for staff; never a code.
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);

CREATE INDEX authority_calls_request ON authority_calls (request_id);
-- The outbox sweep (redispatchStale) and the pages look for waiting calls.
CREATE INDEX authority_calls_pending ON authority_calls (id) WHERE status = 'pending';
-- One replacement at a time per request: a second decision cannot ask again while one waits.
CREATE UNIQUE INDEX authority_calls_one_replacement ON authority_calls (request_id)
  WHERE kind = 'replacement' AND status = 'pending';
