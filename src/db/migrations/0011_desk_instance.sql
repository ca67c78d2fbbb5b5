-- Who this desk is: one row, made once. Its id namespaces the desk's keys in Redis (queues,
-- sessions), so two desks with their own databases that share a Redis (a developer's default
-- redis://127.0.0.1:6379, say) never take each other's jobs or sessions.
CREATE TABLE desk_instance (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  one_row     boolean NOT NULL DEFAULT true UNIQUE CHECK (one_row),
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO desk_instance DEFAULT VALUES;
