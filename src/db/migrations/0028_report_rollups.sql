-- Reports (SPEC §13, README "Reports"): daily roll-ups the worker keeps, so a year's report reads a
-- few thousand small rows instead of scanning the requests.

-- A UTC calendar day: every report figure is counted per UTC day.
CREATE FUNCTION report_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (t AT TIME ZONE 'UTC')::date $$;

-- A duration's bucket for p50/p90, in minutes: whole minutes below 100, then two significant
-- figures (137 min counts as 130, 1,234 as 1,200), so a day has at most a few hundred buckets
-- and the percentiles of any period merge exactly at this precision (under 10% low).
CREATE FUNCTION report_minutes_bucket(seconds double precision) RETURNS integer LANGUAGE sql
  IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN m < 100 THEN m ELSE (m / p) * p END
    FROM (SELECT floor(greatest(seconds, 0) / 60)::integer AS m) x,
         LATERAL (SELECT (10 ^ (length(m::text) - 2))::integer AS p) y
$$;

-- Every status a request has been in and when (the backlog per day is read from it): written by
-- the triggers below, so no status write can forget it. A request inserted already past
-- `received` (imports, generated history) is taken to have moved at its updated_at.
CREATE TABLE report_status_moves (
  request_id  bigint NOT NULL REFERENCES recovery_requests (id) ON DELETE CASCADE,
  from_status text,
  to_status   text NOT NULL,
  moved_at    timestamptz NOT NULL
);
CREATE INDEX report_status_moves_moved_at ON report_status_moves (moved_at);
INSERT INTO report_status_moves (request_id, from_status, to_status, moved_at)
  SELECT id, NULL, 'received', created_at FROM recovery_requests;
INSERT INTO report_status_moves (request_id, from_status, to_status, moved_at)
  SELECT id, 'received', status, coalesce(closed_at, updated_at) FROM recovery_requests WHERE status <> 'received';

-- Days whose figures changed since the last roll-up, written in the transaction that changed them.
-- No key: concurrent writers never wait on each other; the roll-up takes the distinct days.
CREATE TABLE report_dirty_days (day date NOT NULL);
CREATE INDEX report_dirty_days_day ON report_dirty_days (day);

-- The roll-ups: one row per day, figure and keys (see src/reports/reports.repository.ts FIGURES).
CREATE TABLE report_daily (
  day    date NOT NULL,
  figure text NOT NULL,
  k1     text NOT NULL DEFAULT '',
  k2     text NOT NULL DEFAULT '',
  n      bigint NOT NULL,
  PRIMARY KEY (figure, day, k1, k2)
);
-- The last day rolled up (days after it are counted live); one row, the subject of the
-- `report-rollup` job (JOBS in src/queues.ts; status stays 'idle': the job repeats by itself).
CREATE TABLE report_rollup_state (
  id             bigint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  status         text NOT NULL DEFAULT 'idle',
  rolled_through date
);
INSERT INTO report_rollup_state (id) VALUES (1);

-- What a day's roll-up looks up: requests due that day, history events and status moves that day.
CREATE INDEX recovery_requests_first_response_due ON recovery_requests (first_response_due_at);
CREATE INDEX recovery_requests_resolution_due ON recovery_requests (resolution_due_at);
CREATE INDEX request_events_created ON request_events (created_at);

CREATE FUNCTION report_requests_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_status_moves (request_id, from_status, to_status, moved_at)
    SELECT id, NULL, 'received', created_at FROM new_rows
    UNION ALL
    SELECT id, 'received', status, updated_at FROM new_rows WHERE status <> 'received';
  INSERT INTO report_dirty_days (day)
    SELECT DISTINCT d FROM new_rows n,
      LATERAL (VALUES (report_day(n.created_at)), (report_day(n.updated_at)),
                      (report_day(n.first_response_due_at)), (report_day(n.resolution_due_at))) v (d)
     WHERE d IS NOT NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER recovery_requests_report_inserted AFTER INSERT ON recovery_requests
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_requests_inserted();

-- A status move is dated by the row's updated_at: every status write sets it to now().
CREATE FUNCTION report_requests_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_status_moves (request_id, from_status, to_status, moved_at)
    SELECT n.id, o.status, n.status, n.updated_at FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status IS DISTINCT FROM o.status;
  INSERT INTO report_dirty_days (day)
    SELECT DISTINCT d FROM new_rows n JOIN old_rows o ON o.id = n.id,
      LATERAL (VALUES (report_day(n.created_at)), (report_day(o.created_at)),
                      (report_day(n.first_response_due_at)), (report_day(o.first_response_due_at)),
                      (report_day(n.resolution_due_at)), (report_day(o.resolution_due_at)),
                      (CASE WHEN n.status IS DISTINCT FROM o.status THEN report_day(n.updated_at) END)) v (d)
     WHERE d IS NOT NULL
       AND (n.status, n.verdict, n.created_at, n.first_response_due_at, n.resolution_due_at,
            n.first_responded_at, n.closed_at, n.paused_since)
           IS DISTINCT FROM
           (o.status, o.verdict, o.created_at, o.first_response_due_at, o.resolution_due_at,
            o.first_responded_at, o.closed_at, o.paused_since);
  RETURN NULL;
END $$;
CREATE TRIGGER recovery_requests_report_updated AFTER UPDATE ON recovery_requests
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION report_requests_updated();

-- Decisions are counted by the day of their history event; instant recovery reads `auto` events.
CREATE FUNCTION report_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_dirty_days (day)
    SELECT DISTINCT report_day(r.created_at) FROM new_events e JOIN recovery_requests r ON r.id = e.request_id
    UNION
    SELECT DISTINCT report_day(created_at) FROM new_events;
  RETURN NULL;
END $$;
CREATE TRIGGER request_events_report_inserted AFTER INSERT ON request_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION report_events_inserted();

CREATE FUNCTION report_answers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_dirty_days (day) SELECT DISTINCT report_day(answered_at) FROM changed_answers;
  RETURN NULL;
END $$;
CREATE TRIGGER satisfaction_answers_report_inserted AFTER INSERT ON satisfaction_answers
  REFERENCING NEW TABLE AS changed_answers FOR EACH STATEMENT EXECUTE FUNCTION report_answers_changed();
CREATE TRIGGER satisfaction_answers_report_updated AFTER UPDATE ON satisfaction_answers
  REFERENCING NEW TABLE AS changed_answers FOR EACH STATEMENT EXECUTE FUNCTION report_answers_changed();
