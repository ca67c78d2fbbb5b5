import type { Queryable } from '../db/db.ts';
import { REPORT_DECISION_EVENTS } from './report-figures.ts';

/** One roll-up row: a figure of one UTC day, by up to two keys (README "Reports"). */
export interface FigureRow {
  day: string;
  figure: string;
  k1: string;
  k2: string;
  n: number;
}

const DAY = (col: string) =>
  `${col} >= (d.day::timestamp AT TIME ZONE 'UTC') AND ${col} < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')`;

/**
 * Every figure of the days in $1 (a date[]), computed from the rows themselves: the roll-up stores
 * what it returns, and the report counts today (and any day not yet rolled up) with it live.
 * filed: requests filed that day by intake channel (k1) and outcome now (k2); verdict; instant
 * (k1 `resolved`, `auto`); first_response and resolution: a histogram of report_minutes_bucket (k1)
 * for the requests filed that day; breach (k1 first_response | resolution) by the day the due time
 * passed; backlog: status moves into (+1) and out of (-1) each open status that day; decision (k1
 * actor, k2 event type) that day; satisfaction (k1 helpful | not_helpful | comment) that day.
 */
const FIGURES_OF_DAYS = `
WITH days AS (SELECT DISTINCT unnest($1::date[]) AS day),
filed AS (
  SELECT d.day, r.id, r.status, r.verdict, r.created_at, r.first_responded_at, r.closed_at,
         CASE WHEN e.channel IN ('form', 'api', 'demo', 'email') THEN e.channel ELSE 'form' END AS channel
    FROM days d JOIN recovery_requests r ON ${DAY('r.created_at')}
    LEFT JOIN LATERAL (SELECT data ->> 'channel' AS channel FROM request_events e
                        WHERE e.request_id = r.id AND e.type = 'received' ORDER BY e.id LIMIT 1) e ON true),
resolved AS (
  SELECT f.day, EXISTS (SELECT 1 FROM request_events a WHERE a.request_id = f.id
                          AND a.type = 'code_sent' AND a.actor = 'auto') AS auto
    FROM filed f WHERE f.status = 'resolved')
SELECT day, 'filed' AS figure, channel AS k1,
       CASE WHEN status IN ('resolved', 'rejected') THEN status ELSE 'open' END AS k2, count(*) AS n
  FROM filed GROUP BY 1, 3, 4
UNION ALL SELECT day, 'verdict', coalesce(verdict, 'unmatched'), '', count(*) FROM filed GROUP BY 1, 3
UNION ALL SELECT day, 'instant', 'resolved', '', count(*) FROM resolved GROUP BY 1
UNION ALL SELECT day, 'instant', 'auto', '', count(*) FROM resolved WHERE auto GROUP BY 1
UNION ALL
SELECT day, 'first_response', report_minutes_bucket(extract(epoch FROM first_responded_at - created_at))::text,
       '', count(*)
  FROM filed WHERE first_responded_at IS NOT NULL GROUP BY 1, 3
UNION ALL
SELECT day, 'resolution', report_minutes_bucket(extract(epoch FROM closed_at - created_at))::text, '', count(*)
  FROM filed WHERE status IN ('resolved', 'rejected') AND closed_at IS NOT NULL GROUP BY 1, 3
UNION ALL
SELECT d.day, 'breach', 'first_response', '', count(*) FROM days d JOIN recovery_requests r
    ON ${DAY('r.first_response_due_at')}
 WHERE r.first_response_due_at < least(r.first_responded_at, r.paused_since, now()) GROUP BY 1
UNION ALL
SELECT d.day, 'breach', 'resolution', '', count(*) FROM days d JOIN recovery_requests r
    ON ${DAY('r.resolution_due_at')}
 WHERE r.resolution_due_at < least(r.closed_at, r.paused_since, now()) GROUP BY 1
UNION ALL
SELECT d.day, 'backlog', s.status, '', sum(s.delta) FROM days d JOIN report_status_moves m ON ${DAY('m.moved_at')},
       LATERAL (VALUES (m.to_status, 1), (m.from_status, -1)) s (status, delta)
 WHERE s.status IN ('received', 'triage', 'waiting_on_customer', 'pending_approval')
 GROUP BY 1, 3 HAVING sum(s.delta) <> 0
UNION ALL
SELECT d.day, 'decision', e.actor, e.type, count(*) FROM days d JOIN request_events e ON ${DAY('e.created_at')}
 WHERE e.type = ANY($2::text[]) GROUP BY 1, 3, 4
UNION ALL
SELECT d.day, 'satisfaction', k.k1, '', count(*) FROM days d JOIN satisfaction_answers a ON ${DAY('a.answered_at')},
       LATERAL (VALUES (a.answer), (CASE WHEN a.comment IS NOT NULL THEN 'comment' END)) k (k1)
 WHERE k.k1 IS NOT NULL GROUP BY 1, 3`;

const FIGURE_COLUMNS = `to_char(day, 'YYYY-MM-DD') AS day, figure, k1, k2, n::float8 AS n`;

/**
 * Turns PostgreSQL's JIT off for the rest of this transaction: it would compile the wide figures
 * SQL above for seconds (4.6 s of a 4.7 s one-day count on 20,000 requests, EXPLAIN ANALYZE),
 * far longer than running it.
 */
export async function withoutJit(tx: Queryable): Promise<void> {
  await tx.query('SET LOCAL jit = off');
}

/** The figures of these days computed from the rows (today's, and days not yet rolled up). */
export async function figuresOfDays(db: Queryable, days: string[]): Promise<FigureRow[]> {
  if (days.length === 0) return [];
  return db.query<FigureRow>(`SELECT ${FIGURE_COLUMNS} FROM (${FIGURES_OF_DAYS}) f`, [
    days,
    REPORT_DECISION_EVENTS,
  ]);
}

/** The figures a period sums rather than shows per day (the most rows): kept per month too. */
const SUMMED = `('first_response', 'resolution', 'decision')`;

/** Stores the figures of these days in place of what the roll-up held for them. */
export async function rollUpDays(tx: Queryable, days: string[]): Promise<void> {
  await tx.query('DELETE FROM report_daily WHERE day = ANY($1::date[])', [days]);
  await tx.query(`INSERT INTO report_daily (day, figure, k1, k2, n) ${FIGURES_OF_DAYS}`, [
    days,
    REPORT_DECISION_EVENTS,
  ]);
}

/** Sums the months of these days again into report_monthly, from what report_daily holds now. */
export async function sumMonthsOf(tx: Queryable, days: string[]): Promise<void> {
  const months = `SELECT DISTINCT date_trunc('month', d)::date AS month FROM unnest($1::date[]) d`;
  // Two statements: a delete and an insert of the same keys in one statement clash on the key.
  await tx.query(`DELETE FROM report_monthly WHERE month IN (${months})`, [days]);
  await tx.query(
    `INSERT INTO report_monthly (month, figure, k1, k2, n)
     SELECT m.month, figure, k1, k2, sum(n) FROM (${months}) m JOIN report_daily r
         ON r.day >= m.month AND r.day < (m.month + interval '1 month')::date
      WHERE figure IN ${SUMMED} GROUP BY 1, 2, 3, 4`,
    [days],
  );
}

/** After a roll-up of many days: fresh statistics, or the planner sorts the sums on disk. */
export async function analyzeRollups(tx: Queryable): Promise<void> {
  await tx.query('ANALYZE report_daily, report_monthly');
}

/**
 * The rolled-up figures of a period: per-day rows, except the duration histograms and decisions
 * (summed over the period in SQL: the most rows; whole months from report_monthly, the days before
 * the first and after the last whole month from report_daily), and the backlog before the period.
 */
export async function rolledUpFigures(
  db: Queryable,
  period: { from: string; to: string },
): Promise<FigureRow[]> {
  return db.query<FigureRow>(
    `WITH whole AS (
       -- The whole months of the period: from the first month starting on or after $1 to the
       -- last ending on or before $2 (none when first >= after).
       SELECT (date_trunc('month', $1::date - 1) + interval '1 month')::date AS first,
              date_trunc('month', $2::date + 1)::date AS after)
     SELECT ${FIGURE_COLUMNS} FROM report_daily
      WHERE day BETWEEN $1 AND $2 AND figure NOT IN ${SUMMED}
     UNION ALL
     SELECT $1::text, figure, k1, k2, sum(n)::float8 FROM (
       SELECT figure, k1, k2, n FROM report_monthly, whole
        WHERE month >= whole.first AND month < whole.after AND figure IN ${SUMMED}
       UNION ALL
       SELECT figure, k1, k2, n FROM report_daily, whole
        WHERE day BETWEEN $1 AND $2 AND (day < whole.first OR day >= whole.after) AND figure IN ${SUMMED}
     ) s GROUP BY figure, k1, k2
     UNION ALL
     SELECT to_char($1::date - 1, 'YYYY-MM-DD'), figure, k1, '', sum(n)::float8 FROM report_daily
      WHERE day < $1 AND figure = 'backlog' GROUP BY figure, k1`,
    [period.from, period.to],
  );
}

export interface RollupState {
  /** The last UTC day rolled up (null: never); today as the database sees it. */
  rolledThrough: string | null;
  today: string;
  /** The first day anything happened, for a first roll-up. */
  firstDay: string | null;
}

const STATE = `SELECT to_char(rolled_through, 'YYYY-MM-DD') AS "rolledThrough",
       to_char(report_day(now()), 'YYYY-MM-DD') AS today,
       (SELECT to_char(report_day(min(moved_at)), 'YYYY-MM-DD') FROM report_status_moves) AS "firstDay"
  FROM report_rollup_state`;

export async function readRollupState(db: Queryable): Promise<RollupState> {
  const [row] = await db.query<RollupState>(STATE);
  return row!;
}

/** The same, locked: one roll-up at a time. */
export async function lockRollupState(tx: Queryable): Promise<RollupState> {
  const [row] = await tx.query<RollupState>(`${STATE} FOR UPDATE`);
  return row!;
}

/** Takes the days marked changed before `today` (days from today on are counted live). */
export async function takeDirtyDays(tx: Queryable, today: string): Promise<string[]> {
  const rows = await tx.query<{ day: string }>(
    `WITH taken AS (DELETE FROM report_dirty_days WHERE day < $1 RETURNING day)
     SELECT DISTINCT to_char(day, 'YYYY-MM-DD') AS day FROM taken`,
    [today],
  );
  return rows.map((r) => r.day);
}

export async function saveRolledThrough(tx: Queryable, day: string): Promise<void> {
  await tx.query('UPDATE report_rollup_state SET rolled_through = $1', [day]);
}

/** Whether a roll-up counted a request of `desk demo` filed on or before this day. */
export async function demoDataRolledUp(db: Queryable, to: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM report_daily WHERE figure = 'filed' AND k1 = 'demo' AND day <= $1 LIMIT 1`,
    [to],
  );
  return rows.length > 0;
}
