import type { Db, Queryable } from '../db/db.ts';
import type { IntakeChannel } from '../requests/intake-channel.ts';
import { addDays, daysBetween, durationsOf } from './report-figures.ts';
import {
  BACKLOG_STATUSES,
  REPORT_VERDICTS,
  type BacklogStatus,
  type ReportOutcome,
  type ReportSummary,
} from './report-summary.ts';
import {
  demoDataRolledUp,
  figuresOfDays,
  readRollupState,
  rolledUpFigures,
  withoutJit,
  type FigureRow,
} from './reports.repository.ts';

/**
 * The report of a period (README "Reports"): the days rolled up by the worker are read from
 * report_daily; the days after the last roll-up (today, at least) are counted live from the rows
 * with the same SQL, so both agree by construction. `from` and `to` are valid UTC days, from ≤ to.
 */
export async function reportSummary(db: Db, period: { from: string; to: string }): Promise<ReportSummary> {
  return db.transaction(async (tx) => {
    await withoutJit(tx);
    return summaryIn(tx, period);
  });
}

/** The report read in one transaction (one snapshot of the roll-ups and the live rows). */
async function summaryIn(db: Queryable, period: { from: string; to: string }): Promise<ReportSummary> {
  const state = await readRollupState(db);
  const rolledThrough = state.rolledThrough ?? addDays(state.firstDay ?? state.today, -1);
  const lastLive = period.to < state.today ? period.to : state.today;
  const firstLive = addDays(rolledThrough, 1);
  const liveDays = firstLive <= lastLive ? daysBetween(firstLive, lastLive) : [];
  // One after another: a transaction's queries share its one connection.
  const rolled = await rolledUpFigures(db, {
    from: period.from,
    to: rolledThrough < period.to ? rolledThrough : period.to,
  });
  const live = await figuresOfDays(db, liveDays);
  const demoRolled = await demoDataRolledUp(db, period.to);
  const rows = [...rolled, ...live];
  const inPeriod = groupBy(
    rows.filter((r) => r.day >= period.from && r.day <= period.to),
    (r) => r.figure,
  );
  return {
    period: { ...period, days: daysBetween(period.from, period.to).length },
    requestsPerDay: sortedByDay(inPeriod.get('filed')).map((r) => ({
      day: r.day,
      channel: r.k1 as IntakeChannel,
      outcome: r.k2 as ReportOutcome,
      count: r.n,
    })),
    verdictMix: REPORT_VERDICTS.map((verdict) => ({
      verdict,
      count: sumOf(inPeriod.get('verdict'), verdict),
    })).filter((v) => v.count > 0),
    instant: instantOf(inPeriod.get('instant')),
    firstResponse: durationsOf(histogram(inPeriod.get('first_response'))),
    resolution: durationsOf(histogram(inPeriod.get('resolution'))),
    breachesPerDay: perDayOf(inPeriod.get('breach'), ['first_response', 'resolution']).map(([day, n]) => ({
      day,
      firstResponse: n[0]!,
      resolution: n[1]!,
    })),
    backlogPerDay: backlogOf(
      rows.filter((r) => r.figure === 'backlog'),
      period,
    ),
    decisionsPerActor: decisionsOf(inPeriod.get('decision')),
    ...satisfactionOf(inPeriod.get('satisfaction')),
    includesDemoData: demoRolled || rows.some((r) => r.figure === 'filed' && r.k1 === 'demo'),
  };
}

/**
 * The rows by a key of theirs, in their order: by figure, every figure below reads only its own
 * (a year holds ~10,000 rows); by day, the backlog's moves.
 */
function groupBy(rows: FigureRow[], key: (r: FigureRow) => string): Map<string, FigureRow[]> {
  const out = new Map<string, FigureRow[]>();
  for (const r of rows) {
    const list = out.get(key(r));
    if (list) list.push(r);
    else out.set(key(r), [r]);
  }
  return out;
}

function sortedByDay(rows: FigureRow[] = []): FigureRow[] {
  return [...rows].sort(
    (a, b) => a.day.localeCompare(b.day) || a.k1.localeCompare(b.k1) || a.k2.localeCompare(b.k2),
  );
}

/** The sum of a figure's rows, of one first key or all. */
function sumOf(rows: FigureRow[] = [], k1?: string): number {
  let sum = 0;
  for (const r of rows) if (k1 === undefined || r.k1 === k1) sum += r.n;
  return sum;
}

/** Per day (in order), the sum of each of these first keys: [day, [sum of keys[0], sum of keys[1], …]]. */
function perDayOf(rows: FigureRow[] = [], keys: string[]): [string, number[]][] {
  const days = new Map<string, number[]>();
  for (const r of rows) {
    const at = keys.indexOf(r.k1);
    if (at < 0) continue;
    const sums = days.get(r.day) ?? keys.map(() => 0);
    sums[at]! += r.n;
    days.set(r.day, sums);
  }
  return [...days.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

function instantOf(rows?: FigureRow[]): ReportSummary['instant'] {
  const resolved = sumOf(rows, 'resolved');
  const resolvedAutomatically = sumOf(rows, 'auto');
  return { resolved, resolvedAutomatically, share: resolved > 0 ? resolvedAutomatically / resolved : null };
}

function histogram(rows: FigureRow[] = []): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const r of rows) buckets.set(Number(r.k1), (buckets.get(Number(r.k1)) ?? 0) + r.n);
  return buckets;
}

/** The backlog at the end of each day: the moves before the period, then each day's moves added. */
function backlogOf(moves: FigureRow[], period: { from: string; to: string }): ReportSummary['backlogPerDay'] {
  const standing = new Map<BacklogStatus, number>(BACKLOG_STATUSES.map((s) => [s, 0]));
  for (const r of moves)
    if (r.day < period.from)
      standing.set(r.k1 as BacklogStatus, (standing.get(r.k1 as BacklogStatus) ?? 0) + r.n);
  const byDay = groupBy(
    moves.filter((r) => r.day >= period.from),
    (r) => r.day,
  );
  const out: ReportSummary['backlogPerDay'] = [];
  for (const day of daysBetween(period.from, period.to)) {
    for (const r of byDay.get(day) ?? [])
      standing.set(r.k1 as BacklogStatus, (standing.get(r.k1 as BacklogStatus) ?? 0) + r.n);
    for (const status of BACKLOG_STATUSES) out.push({ day, status, count: standing.get(status) ?? 0 });
  }
  return out;
}

function decisionsOf(rows: FigureRow[] = []): ReportSummary['decisionsPerActor'] {
  const counts = new Map<string, { actor: string; type: string; count: number }>();
  for (const r of rows) {
    const key = `${r.k1}\u0000${r.k2}`;
    const entry = counts.get(key) ?? { actor: r.k1, type: r.k2, count: 0 };
    entry.count += r.n;
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) => b.count - a.count || a.actor.localeCompare(b.actor) || a.type.localeCompare(b.type),
  );
}

function satisfactionOf(rows: FigureRow[] = []): Pick<ReportSummary, 'satisfactionPerDay' | 'satisfaction'> {
  const satisfactionPerDay = perDayOf(rows, ['helpful', 'not_helpful'])
    .map(([day, n]) => ({ day, helpful: n[0]!, notHelpful: n[1]! }))
    .filter((d) => d.helpful + d.notHelpful > 0);
  const helpful = sumOf(rows, 'helpful');
  const notHelpful = sumOf(rows, 'not_helpful');
  const answers = helpful + notHelpful;
  return {
    satisfactionPerDay,
    satisfaction: {
      helpful,
      notHelpful,
      comments: sumOf(rows, 'comment'),
      share: answers > 0 ? helpful / answers : null,
    },
  };
}
