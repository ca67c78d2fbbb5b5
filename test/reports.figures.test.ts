import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../src/db/db.ts';
import { addDays } from '../src/reports/report-figures.ts';
import { reportSummary } from '../src/reports/reports.service.ts';
import { rollUpReports } from '../src/reports/rollup.service.ts';
import { freshDatabase, type TestDatabase } from './helpers/database.ts';

let t: TestDatabase;
let db: Db;
const today = new Date().toISOString().slice(0, 10);
const period = { from: addDays(today, -40), to: today };
/** A period holding at least two whole calendar months, whatever today is. */
const withWholeMonths = { from: addDays(today, -100), to: today };

/**
 * 300 requests over the 30 days before today, each shaped by its number: channel, verdict, status,
 * first response and closing times, due times, with decisions and satisfaction answers, all written
 * directly in SQL with past timestamps (a status past `received` moves at updated_at).
 */
async function generate(db: Db): Promise<void> {
  await db.query(`
    WITH g AS (
      SELECT i, (now() - interval '30 days' + i * interval '143 minutes') AS filed,
             (ARRAY['form','api','demo','email','web'])[1 + i % 5] AS intake,
             (ARRAY['received','triage','waiting_on_customer','pending_approval','resolved','rejected','resolved'])[1 + i % 7] AS status,
             (ARRAY['strong','partial','none','conflict',NULL])[1 + i % 5] AS verdict
        FROM generate_series(1, 300) i),
    r AS (
      INSERT INTO recovery_requests (reference, status, status_token_hash, email, name, channel, store, country,
             purchased_on, reason, desired_outcome, locale, typed, created_at, updated_at, verdict,
             first_response_due_at, resolution_due_at, first_responded_at, closed_at, paused_since)
      SELECT 'RPT-' || i, status, 'h' || i, 'c' || i || '@example.com', 'Customer ' || i, 'estore', 'Shop', 'DE',
             '2026-01-01', 'lost', 'recover_code', 'en', '{}'::jsonb, filed,
             filed + (i % 97) * interval '37 minutes', verdict,
             filed + interval '8 hours', filed + interval '72 hours',
             CASE WHEN status <> 'received' AND i % 3 <> 0 THEN filed + (i % 53) * interval '29 minutes' END,
             CASE WHEN status IN ('resolved', 'rejected') THEN filed + (i % 97) * interval '37 minutes' END,
             CASE WHEN status = 'waiting_on_customer' THEN filed + interval '1 hour' END
        FROM g
      RETURNING id, created_at, status, closed_at, (SELECT intake FROM g WHERE 'RPT-' || g.i = reference) AS intake)
    INSERT INTO request_events (request_id, actor, type, data, created_at)
    SELECT id, 'customer', 'received', jsonb_build_object('channel', intake), created_at FROM r
    UNION ALL
    SELECT id, CASE WHEN id % 4 = 0 THEN 'auto' ELSE 'tech' || (id % 3) || '@example.com' END,
           CASE WHEN status = 'resolved' THEN 'code_sent' ELSE 'rejected' END, '{}', closed_at
      FROM r WHERE closed_at IS NOT NULL
    UNION ALL
    SELECT id, 'tech1@example.com', 'note', '{}', created_at + interval '5 minutes' FROM r`);
  await db.query(`
    INSERT INTO satisfaction_answers (request_id, answer, comment, answered_at)
    SELECT id, CASE WHEN id % 3 = 0 THEN 'not_helpful' ELSE 'helpful' END,
           CASE WHEN id % 2 = 0 THEN 'words' END, closed_at + interval '2 hours'
      FROM recovery_requests WHERE closed_at IS NOT NULL AND reference LIKE 'RPT-%'`);
}

/** Every figure counted directly from the rows, the way README "Reports" defines it. */
async function direct(db: Db, p: { from: string; to: string }) {
  const inPeriod = `report_day(r.created_at) BETWEEN '${p.from}' AND '${p.to}'`;
  const filed = `recovery_requests r JOIN request_events e ON e.request_id = r.id AND e.type = 'received'`;
  const channel = `CASE WHEN e.data->>'channel' IN ('form','api','demo','email') THEN e.data->>'channel' ELSE 'form' END`;
  const q = <R>(sql: string) => db.query<R>(sql);
  const pct = (expr: string, where: string) =>
    q<{ count: number; p50: number | null; p90: number | null }>(
      `SELECT count(*)::int AS count,
              (percentile_disc(0.5) WITHIN GROUP (ORDER BY report_minutes_bucket(${expr})) * 60)::int AS p50,
              (percentile_disc(0.9) WITHIN GROUP (ORDER BY report_minutes_bucket(${expr})) * 60)::int AS p90
         FROM recovery_requests r WHERE ${inPeriod} AND ${where}`,
    );
  return {
    requestsPerDay: await q(
      `SELECT to_char(report_day(r.created_at), 'YYYY-MM-DD') AS day, ${channel} AS channel,
              CASE WHEN r.status IN ('resolved','rejected') THEN r.status ELSE 'open' END AS outcome, count(*)::int AS count
         FROM ${filed} WHERE ${inPeriod} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    ),
    verdicts: await q(
      `SELECT coalesce(verdict, 'unmatched') AS verdict, count(*)::int AS count FROM recovery_requests r
        WHERE ${inPeriod} GROUP BY 1 ORDER BY 1`,
    ),
    instant: (
      await q<{ resolved: number; auto: number }>(
        `SELECT count(*)::int AS resolved, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM request_events a
                WHERE a.request_id = r.id AND a.type = 'code_sent' AND a.actor = 'auto'))::int AS auto
           FROM recovery_requests r WHERE ${inPeriod} AND r.status = 'resolved'`,
      )
    )[0]!,
    firstResponse: (
      await pct('extract(epoch FROM r.first_responded_at - r.created_at)', 'r.first_responded_at IS NOT NULL')
    )[0]!,
    resolution: (
      await pct(
        'extract(epoch FROM r.closed_at - r.created_at)',
        "r.status IN ('resolved','rejected') AND r.closed_at IS NOT NULL",
      )
    )[0]!,
    breaches: await q(
      `SELECT day, sum(fr)::int AS "firstResponse", sum(res)::int AS resolution FROM (
         SELECT to_char(report_day(first_response_due_at), 'YYYY-MM-DD') AS day, 1 AS fr, 0 AS res FROM recovery_requests
          WHERE first_response_due_at < least(first_responded_at, paused_since, now())
         UNION ALL
         SELECT to_char(report_day(resolution_due_at), 'YYYY-MM-DD'), 0, 1 FROM recovery_requests
          WHERE resolution_due_at < least(closed_at, paused_since, now())) b
        WHERE day BETWEEN '${p.from}' AND '${p.to}' GROUP BY day ORDER BY day`,
    ),
    backlog: await q(
      `SELECT to_char(d, 'YYYY-MM-DD') AS day, s.status, count(m.to_status)::int AS count
         FROM generate_series('${p.from}'::date, '${p.to}'::date, interval '1 day') d
        CROSS JOIN unnest(ARRAY['received','triage','waiting_on_customer','pending_approval']) WITH ORDINALITY s (status, o)
         LEFT JOIN LATERAL (
           SELECT DISTINCT ON (request_id) request_id, to_status FROM report_status_moves
            WHERE moved_at < ((d::date + 1)::timestamp AT TIME ZONE 'UTC')
            ORDER BY request_id, moved_at DESC, to_status = 'received') m ON m.to_status = s.status
        GROUP BY d, s.status, s.o ORDER BY d, s.o`,
    ),
    decisions: await q(
      `SELECT actor, type, count(*)::int AS count FROM request_events
        WHERE report_day(created_at) BETWEEN '${p.from}' AND '${p.to}'
          AND type IN ('code_sent','reissue_proposed','refund_proposed','refund_approved','approval_rejected','info_requested','rejected')
        GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
    ),
    satisfaction: (
      await q<{ helpful: number; notHelpful: number; comments: number }>(
        `SELECT count(*) FILTER (WHERE answer = 'helpful')::int AS helpful,
                count(*) FILTER (WHERE answer = 'not_helpful')::int AS "notHelpful",
                count(comment)::int AS comments
           FROM satisfaction_answers WHERE report_day(answered_at) BETWEEN '${p.from}' AND '${p.to}'`,
      )
    )[0]!,
  };
}

async function assertFiguresMatch(p: { from: string; to: string }): Promise<void> {
  const s = await reportSummary(db, p);
  const d = await direct(db, p);
  assert.deepEqual(
    [...s.requestsPerDay].sort((a, b) =>
      `${a.day}${a.channel}${a.outcome}`.localeCompare(`${b.day}${b.channel}${b.outcome}`),
    ),
    d.requestsPerDay,
  );
  assert.deepEqual(
    [...s.verdictMix].sort((a, b) => a.verdict.localeCompare(b.verdict)),
    d.verdicts,
  );
  assert.equal(s.instant.resolved, d.instant.resolved);
  assert.equal(s.instant.resolvedAutomatically, d.instant.auto);
  assert.deepEqual(s.firstResponse, {
    count: d.firstResponse.count,
    p50Seconds: d.firstResponse.p50,
    p90Seconds: d.firstResponse.p90,
  });
  assert.deepEqual(s.resolution, {
    count: d.resolution.count,
    p50Seconds: d.resolution.p50,
    p90Seconds: d.resolution.p90,
  });
  assert.deepEqual(s.breachesPerDay, d.breaches);
  assert.deepEqual(s.backlogPerDay, d.backlog);
  assert.deepEqual(s.decisionsPerActor, d.decisions);
  assert.equal(s.satisfaction.helpful, d.satisfaction.helpful);
  assert.equal(s.satisfaction.notHelpful, d.satisfaction.notHelpful);
  assert.equal(s.satisfaction.comments, d.satisfaction.comments);
}

describe('reports: every figure equals a direct count', () => {
  before(async () => {
    t = await freshDatabase();
    db = t.db;
    await generate(db);
  });
  after(async () => {
    await t.drop();
  });

  test('when nothing is rolled up yet, then the live count already equals the direct count', async () => {
    await assertFiguresMatch(period);
  });

  test('when the roll-up has run, then every figure equals the direct count, for any period', async () => {
    await rollUpReports(db);
    await assertFiguresMatch(period);
    await assertFiguresMatch({ from: addDays(today, -20), to: addDays(today, -5) });
    // Whole calendar months are summed from report_monthly, the days around them from report_daily.
    await assertFiguresMatch(withWholeMonths);
    const s = await reportSummary(db, period);
    assert.ok(s.requestsPerDay.length > 20 && s.decisionsPerActor.length > 3);
    assert.ok(s.firstResponse.count > 50 && s.resolution.count > 50 && s.breachesPerDay.length > 5);
    assert.equal(s.includesDemoData, true);
    assert.deepEqual(await rollUpReports(db), { days: 0 });
  });

  test('when an old request is resolved later, then its day changes after the next roll-up', async () => {
    const [old] = await db.query<{ id: number; day: string }>(
      `SELECT id, to_char(report_day(created_at), 'YYYY-MM-DD') AS day FROM recovery_requests
        WHERE status = 'triage' AND created_at < now() - interval '10 days' ORDER BY id LIMIT 1`,
    );
    const before = await reportSummary(db, period);
    await db.query(
      `UPDATE recovery_requests SET status = 'resolved', closed_at = now(), first_responded_at = coalesce(first_responded_at, now()),
              updated_at = now() WHERE id = $1`,
      [old!.id],
    );
    assert.deepEqual((await rollUpReports(db)).days >= 1, true);
    await assertFiguresMatch(period);
    await assertFiguresMatch(withWholeMonths);
    const after = await reportSummary(db, period);
    const resolvedOn = (s: typeof after) =>
      s.requestsPerDay
        .filter((r) => r.day === old!.day && r.outcome === 'resolved')
        .reduce((n, r) => n + r.count, 0);
    assert.equal(resolvedOn(after), resolvedOn(before) + 1);
  });
});
