-- A customer's one-click answer to the email that resolved or rejected their request (SPEC §13,
-- README "Satisfaction"): one row per request, the first answer kept (a second click changes
-- nothing), then an optional comment. Reports count answers by the day they were given.
CREATE TABLE satisfaction_answers (
  request_id   bigint PRIMARY KEY REFERENCES recovery_requests (id) ON DELETE CASCADE,
  answer       text NOT NULL CHECK (answer IN ('helpful', 'not_helpful')),
  comment      text,
  answered_at  timestamptz NOT NULL DEFAULT now(),
  commented_at timestamptz
);
CREATE INDEX satisfaction_answers_answered_at ON satisfaction_answers (answered_at);
