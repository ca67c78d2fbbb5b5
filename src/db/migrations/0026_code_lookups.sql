-- "Email me my codes" (README "Email me my codes"): one row per lookup a customer asked for, its
-- `code-lookup` job written with it (outbox). The job lists the mailbox's licences in one email to
-- the address given, then marks the row done; a lookup that found nothing forgets the address.
CREATE TABLE code_lookups (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- the address as given (trimmed): the only address the email may go to
  email       text,
  -- the mailbox behind it (src/identifiers/mailbox.ts), matched against purchases.purchaser_mailbox
  mailbox     text,
  locale      text NOT NULL,
  client_ip   text,
  status      text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'done')),
  -- what the job found: licences listed (0: nothing sent) and the email, if one was sent
  licences    integer,
  email_id    bigint REFERENCES emails (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  done_at     timestamptz
);

-- The licences whose activation code a lookup email carried: the matcher's repeat_recovery flag
-- counts them beside the code_sent events of requests.
CREATE TABLE code_lookup_codes (
  lookup_id   bigint NOT NULL REFERENCES code_lookups (id),
  purchase_id bigint NOT NULL REFERENCES purchases (id),
  sent_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lookup_id, purchase_id)
);
CREATE INDEX code_lookup_codes_purchase ON code_lookup_codes (purchase_id, sent_at);
