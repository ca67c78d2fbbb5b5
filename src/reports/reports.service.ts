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
  const inPeriod = rows.filter((r) => r.day >= period.from && r.day <= period.to);
  return {
    period: { ...period, days: daysBetween(period.from, period.to).length },
    requestsPerDay: perDay(inPeriod, 'filed').map((r) => ({
      day: r.day,
      channel: r.k1 as IntakeChannel,
      outcome: r.k2 as ReportOutcome,
      count: r.n,
    })),
    verdictMix: REPORT_VERDICTS.map((verdict) => ({
      verdict,
      count: total(inPeriod, 'verdict', verdict),
    })).filter((v) => v.count > 0),
    instant: instantOf(inPeriod),
    firstResponse: durationsOf(histogram(inPeriod, 'first_response')),
    resolution: durationsOf(histogram(inPeriod, 'resolution')),
    breachesPerDay: breachesOf(inPeriod),
    backlogPerDay: backlogOf(rows, period),
    decisionsPerActor: decisionsOf(inPeriod),
    ...satisfactionOf(inPeriod),
    includesDemoData: demoRolled || rows.some((r) => r.figure === 'filed' && r.k1 === 'demo'),
  };
}

function perDay(rows: FigureRow[], figure: string): FigureRow[] {
  return rows
    .filter((r) => r.figure === figure)
    .sort((a, b) => a.day.localeCompare(b.day) || a.k1.localeCompare(b.k1) || a.k2.localeCompare(b.k2));
}

function total(rows: FigureRow[], figure: string, k1?: string, day?: string): number {
  let sum = 0;
  for (const r of rows)
    if (r.figure === figure && (k1 === undefined || r.k1 === k1) && (day === undefined || r.day === day))
      sum += r.n;
  return sum;
}

function instantOf(rows: FigureRow[]): ReportSummary['instant'] {
  const resolved = total(rows, 'instant', 'resolved');
  const resolvedAutomatically = total(rows, 'instant', 'auto');
  return { resolved, resolvedAutomatically, share: resolved > 0 ? resolvedAutomatically / resolved : null };
}

function histogram(rows: FigureRow[], figure: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const r of rows)
    if (r.figure === figure) buckets.set(Number(r.k1), (buckets.get(Number(r.k1)) ?? 0) + r.n);
  return buckets;
}

function breachesOf(rows: FigureRow[]): ReportSummary['breachesPerDay'] {
  const days = [...new Set(rows.filter((r) => r.figure === 'breach').map((r) => r.day))].sort();
  return days.map((day) => ({
    day,
    firstResponse: total(rows, 'breach', 'first_response', day),
    resolution: total(rows, 'breach', 'resolution', day),
  }));
}

/** The backlog at the end of each day: the moves before the period, then each day's moves added. */
function backlogOf(rows: FigureRow[], period: { from: string; to: string }): ReportSummary['backlogPerDay'] {
  const standing = new Map<BacklogStatus, number>(BACKLOG_STATUSES.map((s) => [s, 0]));
  const moves = rows.filter((r) => r.figure === 'backlog');
  for (const r of moves)
    if (r.day < period.from)
      standing.set(r.k1 as BacklogStatus, (standing.get(r.k1 as BacklogStatus) ?? 0) + r.n);
  const byDay = new Map<string, FigureRow[]>();
  for (const r of moves) if (r.day >= period.from) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
  const out: ReportSummary['backlogPerDay'] = [];
  for (const day of daysBetween(period.from, period.to)) {
    for (const r of byDay.get(day) ?? [])
      standing.set(r.k1 as BacklogStatus, (standing.get(r.k1 as BacklogStatus) ?? 0) + r.n);
    for (const status of BACKLOG_STATUSES) out.push({ day, status, count: standing.get(status) ?? 0 });
  }
  return out;
}

function decisionsOf(rows: FigureRow[]): ReportSummary['decisionsPerActor'] {
  const counts = new Map<string, { actor: string; type: string; count: number }>();
  for (const r of rows) {
    if (r.figure !== 'decision') continue;
    const key = `${r.k1}\u0000${r.k2}`;
    const entry = counts.get(key) ?? { actor: r.k1, type: r.k2, count: 0 };
    entry.count += r.n;
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) => b.count - a.count || a.actor.localeCompare(b.actor) || a.type.localeCompare(b.type),
  );
}

function satisfactionOf(rows: FigureRow[]): Pick<ReportSummary, 'satisfactionPerDay' | 'satisfaction'> {
  const days = [...new Set(rows.filter((r) => r.figure === 'satisfaction').map((r) => r.day))].sort();
  const satisfactionPerDay = days
    .map((day) => ({
      day,
      helpful: total(rows, 'satisfaction', 'helpful', day),
      notHelpful: total(rows, 'satisfaction', 'not_helpful', day),
    }))
    .filter((d) => d.helpful + d.notHelpful > 0);
  const helpful = total(rows, 'satisfaction', 'helpful');
  const notHelpful = total(rows, 'satisfaction', 'not_helpful');
  const answers = helpful + notHelpful;
  return {
    satisfactionPerDay,
    satisfaction: {
      helpful,
      notHelpful,
      comments: total(rows, 'satisfaction', 'comment'),
      share: answers > 0 ? helpful / answers : null,
    },
  };
}
