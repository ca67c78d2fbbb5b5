import type { Queryable } from '../db/db.ts';
import type { IntakeChannel } from '../requests/intake-channel.ts';

/** Requests per statement: a statement's RETURNING rows stay small. */
const BATCH = 50_000;

/**
 * Writes `requests` made-up requests filed evenly over the `days` days before now (references
 * `RD-H…`, written once: a second run adds nothing), with what a year of a desk's work leaves:
 * their intake channel (cycled through `channels`), verdicts, first responses, closings, due times,
 * decisions by technicians and by `auto`, and satisfaction answers. For `desk demo --history`
 * (channel `demo`) and the bench. Every time is in the past; the last three days' requests are open.
 */
export async function insertGeneratedHistory(
  db: Queryable,
  options: { requests: number; days: number; channels: readonly IntakeChannel[] },
): Promise<void> {
  for (let first = 1; first <= options.requests; first += BATCH) {
    const last = Math.min(options.requests, first + BATCH - 1);
    await db.query(HISTORY_SQL, [first, last, options.requests, options.days, options.channels]);
  }
}

// $1..$2: the numbers to write, of $3 over $4 days; $5: the intake channels.
const HISTORY_SQL = `
WITH g AS (
  SELECT i, 'RD-H' || lpad(i::text, 8, '0') AS ref, filed, filed > now() - interval '3 days' AS recent,
         CASE WHEN filed > now() - interval '3 days'
              THEN (ARRAY['received','triage','waiting_on_customer','pending_approval'])[1 + i % 4]
              WHEN i % 20 = 0 THEN 'triage' WHEN i % 20 = 1 THEN 'waiting_on_customer'
              WHEN i % 20 < 5 THEN 'rejected' ELSE 'resolved' END AS status,
         (ARRAY['strong','strong','strong','strong','strong','partial','partial','none','conflict',NULL])[1 + i % 10] AS verdict,
         ($5::text[])[1 + i % cardinality($5::text[])] AS intake,
         make_interval(mins => 1 + (i::bigint * 7919 % 480)::int) AS respond,
         make_interval(mins => 1 + (i::bigint * 7919 % 480)::int + (i::bigint * 104729 % 2880)::int) AS resolve
    FROM generate_series($1::int, $2::int) i,
         LATERAL (SELECT now() - make_interval(days => $4::int) + (i - 0.5) / $3::float8 * make_interval(days => $4::int) AS filed) f),
r AS (
  INSERT INTO recovery_requests (reference, status, status_token_hash, email, name, channel, store, country,
         purchased_on, reason, desired_outcome, locale, typed, mailbox, created_at, updated_at, verdict,
         first_response_due_at, resolution_due_at, first_responded_at, closed_at)
  SELECT ref, status, md5('history' || i), 'customer' || i || '@example.com',
         'Customer ' || i, 'estore', 'Online store', 'DE', (filed - interval '200 days')::date, 'lost',
         'recover_code', 'en', '{}'::jsonb, 'customer' || i || '@example.com', filed,
         CASE WHEN recent THEN filed ELSE filed + CASE WHEN status IN ('resolved','rejected') THEN resolve ELSE respond END END,
         verdict, filed + interval '8 hours', filed + interval '48 hours',
         CASE WHEN NOT recent AND status <> 'triage' THEN filed + respond END,
         CASE WHEN status IN ('resolved','rejected') THEN filed + resolve END
    FROM g
  ON CONFLICT (reference) DO NOTHING
  RETURNING id, reference, created_at, status, verdict, first_responded_at, closed_at),
e AS (
  INSERT INTO request_events (request_id, actor, type, data, created_at)
  SELECT r.id, 'customer', 'received', jsonb_build_object('channel', g.intake), r.created_at
    FROM r JOIN g ON g.ref = r.reference
  UNION ALL
  SELECT id, CASE WHEN status = 'resolved' AND verdict = 'strong' AND id % 3 <> 0 THEN 'auto'
                  ELSE 'technician' || (id % 6) || '@example.com' END,
         CASE status WHEN 'resolved' THEN 'code_sent' WHEN 'rejected' THEN 'rejected' ELSE 'info_requested' END,
         '{}', coalesce(closed_at, first_responded_at)
    FROM r WHERE closed_at IS NOT NULL OR (status = 'waiting_on_customer' AND first_responded_at IS NOT NULL))
INSERT INTO satisfaction_answers (request_id, answer, comment, answered_at)
SELECT id, CASE WHEN id % 3 = 1 THEN 'not_helpful' ELSE 'helpful' END,
       CASE WHEN id % 16 = 0 THEN 'Generated history: a comment.' END, closed_at + interval '1 hour'
  FROM r WHERE closed_at IS NOT NULL AND closed_at < now() - interval '1 hour' AND id % 4 = 0`;
