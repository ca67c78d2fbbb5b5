-- Audit of administration (README "Security"): who did what to users, tokens and settings,
-- and failed or throttled sign-ins, with the client address. Never deleted by `desk purge`.
CREATE TABLE audit_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  -- The user who acted; null for the operator's command line or someone not signed in.
  actor_id    bigint REFERENCES users (id),
  -- Who acted, as shown: the user's email, 'cli', or the address typed at a failed sign-in.
  actor       text NOT NULL,
  action      text NOT NULL,
  -- What it was done to, as shown: a user's email, a token's id and label, a setting's name.
  subject     text,
  address     text,
  data        jsonb NOT NULL DEFAULT '{}'
);
