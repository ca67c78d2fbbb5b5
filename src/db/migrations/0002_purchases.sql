-- The vendor's purchase records, imported with `desk import purchases`.
CREATE TABLE purchases (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  license_number      text NOT NULL UNIQUE,
  license_key         text NOT NULL,
  order_number        text NOT NULL,
  -- order number without case, spaces, '#' or hyphens, for lookups
  order_key           text NOT NULL,
  channel             text NOT NULL CHECK (channel IN ('estore', 'partner', 'retail_box')),
  store               text NOT NULL,
  country             text NOT NULL,
  purchased_at        date NOT NULL,
  purchaser_email     text NOT NULL,
  -- the mailbox behind the address (case, googlemail.com, Gmail dots and +tags folded), for lookups
  purchaser_mailbox   text NOT NULL,
  purchaser_name      text NOT NULL,
  product_sku         text NOT NULL,
  product_name        text NOT NULL,
  seats               integer NOT NULL CHECK (seats > 0),
  term_days           integer NOT NULL CHECK (term_days > 0),
  license_type        text NOT NULL CHECK (license_type IN ('commercial', 'trial')),
  -- AES-256-GCM, see src/purchases/code-cipher.ts; never logged, never in a job payload
  activation_code_enc text NOT NULL,
  first_activated_at  date,
  status              text NOT NULL CHECK (status IN ('active', 'expired', 'refunded', 'revoked')),
  price               numeric(12, 2) NOT NULL,
  currency            text NOT NULL,
  imported_at         timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchases_license_key ON purchases (license_key);
CREATE INDEX purchases_order_key ON purchases (order_key);
CREATE INDEX purchases_mailbox ON purchases (purchaser_mailbox);
-- Near matches of licence identifiers: one wrong, swapped, dropped or extra character leaves
-- either the first or the last six hexadecimal characters intact.
CREATE INDEX purchases_license_number_head ON purchases (left(replace(license_number, '-', ''), 6));
CREATE INDEX purchases_license_number_tail ON purchases (right(replace(license_number, '-', ''), 6));
CREATE INDEX purchases_license_key_head ON purchases (left(replace(license_key, '-', ''), 6));
CREATE INDEX purchases_license_key_tail ON purchases (right(replace(license_key, '-', ''), 6));

-- The matcher's explainable result for a request; one row per request, replaced on a re-run.
CREATE TABLE match_results (
  request_id   bigint PRIMARY KEY REFERENCES recovery_requests (id),
  purchase_id  bigint REFERENCES purchases (id),
  verdict      text NOT NULL CHECK (verdict IN ('strong', 'partial', 'none', 'conflict')),
  score        numeric(4, 3) NOT NULL,
  result       jsonb NOT NULL,
  matched_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX match_results_purchase ON match_results (purchase_id);
CREATE INDEX match_results_verdict ON match_results (verdict);

-- A request for a licence that already has an open request points at it (duplicate_request).
ALTER TABLE recovery_requests ADD COLUMN duplicate_of bigint REFERENCES recovery_requests (id);
-- Who sends many requests (velocity): the mailbox behind the address, the client address and its network.
ALTER TABLE recovery_requests ADD COLUMN mailbox text;
ALTER TABLE recovery_requests ADD COLUMN client_network text;
CREATE INDEX recovery_requests_mailbox ON recovery_requests (mailbox, created_at);
CREATE INDEX recovery_requests_client_ip ON recovery_requests (client_ip, created_at);
CREATE INDEX recovery_requests_client_network ON recovery_requests (client_network, created_at);
