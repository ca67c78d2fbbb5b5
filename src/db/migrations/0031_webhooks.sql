-- Webhooks (SPEC §14, README "Webhooks"): endpoints an admin registers, one delivery per event and
-- endpoint (written in the transaction of the change that causes it), and each attempt made.
CREATE TABLE webhook_endpoints (
  id          bigserial PRIMARY KEY,
  url         text NOT NULL,
  events      text[] NOT NULL,
  description text NOT NULL DEFAULT '',
  -- The signing secret, encrypted as codes are (the desk must read it back to sign).
  secret_enc  text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  created_by  bigint,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id          bigserial PRIMARY KEY,
  endpoint_id bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  -- The request the event is about: deliveries for one request and endpoint go in id order.
  request_id  bigint,
  event_type  text NOT NULL,
  payload     jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- Retries stop WEBHOOK_RETRY_SECONDS after this (creation, or the last "Send again").
  retry_from  timestamptz NOT NULL DEFAULT now(),
  attempts    int NOT NULL DEFAULT 0,
  last_response_status int,
  finished_at timestamptz
);
CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (endpoint_id, request_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC);

CREATE TABLE webhook_attempts (
  id              bigserial PRIMARY KEY,
  delivery_id     bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  at              timestamptz NOT NULL DEFAULT now(),
  response_status int,
  error           text,
  duration_ms     int NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
