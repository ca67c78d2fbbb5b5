-- The queue (issue 15): sorts by age, last update, verdict and status; search by name; saved views.
-- Everything here is core PostgreSQL (no extension), the same on PostgreSQL 15 and on the embedded 18.

-- ── Last update ──
-- `updated_at` moves whenever anything happens to a request. Status moves and claims already set it;
-- every other happening writes a history event (notes, customer messages, decisions), and every
-- match writes a match result, so these two statement triggers catch the rest, one UPDATE per
-- statement whatever its size (the matcher saves a batch in one statement).
CREATE FUNCTION recovery_requests_touch_from_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE recovery_requests r SET updated_at = now()
    FROM (SELECT DISTINCT request_id FROM new_events) e
   WHERE r.id = e.request_id AND r.updated_at < now();
  RETURN NULL;
END $$;
CREATE TRIGGER request_events_touch_request AFTER INSERT ON request_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT
  EXECUTE FUNCTION recovery_requests_touch_from_events();

-- ── Verdict on the request ──
-- The queue sorts by verdict with keyset pages, which needs the verdict on the request's own row
-- (an order across a join has no index). match_results stays the record; this copy follows it.
ALTER TABLE recovery_requests ADD COLUMN verdict text
  CHECK (verdict IN ('strong', 'partial', 'none', 'conflict'));
UPDATE recovery_requests r SET verdict = m.verdict FROM match_results m WHERE m.request_id = r.id;

CREATE FUNCTION recovery_requests_take_verdicts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE recovery_requests r SET verdict = m.verdict, updated_at = greatest(r.updated_at, now())
    FROM new_results m
   WHERE r.id = m.request_id AND (r.verdict IS DISTINCT FROM m.verdict OR r.updated_at < now());
  RETURN NULL;
END $$;
-- A trigger with transition tables takes one event, so inserts and updates have one each.
CREATE TRIGGER match_results_verdict_inserted AFTER INSERT ON match_results
  REFERENCING NEW TABLE AS new_results FOR EACH STATEMENT
  EXECUTE FUNCTION recovery_requests_take_verdicts();
CREATE TRIGGER match_results_verdict_updated AFTER UPDATE ON match_results
  REFERENCING NEW TABLE AS new_results FOR EACH STATEMENT
  EXECUTE FUNCTION recovery_requests_take_verdicts();

-- ── Sort orders ──
-- Ranks in the order a technician reads them (src/queue/queue-sorts.ts calls these functions; the
-- indexes below are on the same calls, so keyset pages read them in either direction).
CREATE FUNCTION queue_verdict_rank(verdict text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE verdict WHEN 'strong' THEN 0 WHEN 'partial' THEN 1 WHEN 'conflict' THEN 2
                      WHEN 'none' THEN 3 ELSE 4 END;
CREATE FUNCTION queue_status_rank(status text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE status WHEN 'received' THEN 0 WHEN 'triage' THEN 1 WHEN 'waiting_on_customer' THEN 2
                     WHEN 'pending_approval' THEN 3 WHEN 'resolved' THEN 4 ELSE 5 END;

CREATE INDEX recovery_requests_created_order ON recovery_requests (created_at, id);
CREATE INDEX recovery_requests_updated_order ON recovery_requests (updated_at, id);
CREATE INDEX recovery_requests_verdict_order ON recovery_requests (queue_verdict_rank(verdict), id);
CREATE INDEX recovery_requests_status_order ON recovery_requests (queue_status_rank(status), id);
-- The verdict filter reads the copy too.
CREATE INDEX recovery_requests_verdict ON recovery_requests (verdict);

-- ── Name search ──
-- A name as words to search: lower case (Unicode-aware on both servers: the embedded one's builtin
-- C.UTF-8 provider, Debian's C.UTF-8), common Latin diacritics and Russian ё folded (Müller is
-- found as muller, Ёлкина as елкина), ß as ss, and punctuation as spaces, so "O'Neil" and
-- "Müller-Lüdenscheidt" split into words the same way on every server locale. The query side goes
-- through the same fold (queue_name_query), so both sides always agree.
CREATE FUNCTION queue_name_fold(name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN translate(replace(lower(name), 'ß', 'ss'),
    'àáâãäåāăąçćčďđèéêëēėęěğìíîïīįıłľĺñńňòóôõöøōőřŕśšşťţùúûüūůűųýÿźżžё''’‘`´.,-_()"/&',
    'aaaaaaaaacccddeeeeeeeegiiiiiiilllnnnoooooooorrsssttuuuuuuuuyyzzzе              ');
CREATE FUNCTION queue_name_words(name text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN to_tsvector('simple'::regconfig, queue_name_fold(name));
-- Every word of the query, as a prefix ("walk" finds Walker), all required, in any order.
CREATE FUNCTION queue_name_query(words text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN (SELECT to_tsquery('simple'::regconfig, string_agg(quote_literal(w) || ':*', ' & '))
            FROM unnest(regexp_split_to_array(btrim(queue_name_fold(words)), '\s+')) AS w
           WHERE w <> '');
-- Stored, not only indexed: when the planner walks a sort's index and checks each row's name (a
-- common name), reading the words costs little, where folding and parsing every name cost 100 ms
-- at 100,000 requests.
ALTER TABLE recovery_requests ADD COLUMN name_words tsvector
  GENERATED ALWAYS AS (queue_name_words(name)) STORED;
-- Without GIN's pending list: new requests' words go straight into the index. With it, every
-- search read the whole list of words not yet merged (14-40 ms after 100,000 new requests, until
-- a vacuum merged it), against under a millisecond without.
CREATE INDEX recovery_requests_name_words ON recovery_requests USING gin (name_words)
  WITH (fastupdate = off);

-- ── Saved views ──
-- A technician's named filters and sort, as the queue's canonical query string (queue-views.ts).
CREATE TABLE queue_views (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
  query       text NOT NULL CHECK (char_length(query) <= 1000),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX queue_views_user_name ON queue_views (user_id, lower(name));
