import type { EventType } from '../history/events.ts';
import type { Durations } from './report-summary.ts';

/**
 * The history events that count as decisions in the report (per actor and type): what a
 * technician (or `auto`) decided, not claims, notes or the customer's words.
 */
export const REPORT_DECISION_EVENTS = [
  'code_sent',
  'reissue_proposed',
  'refund_proposed',
  'refund_approved',
  'approval_rejected',
  'info_requested',
  'rejected',
] as const satisfies readonly EventType[];

/**
 * A duration's bucket in minutes, as the SQL function report_minutes_bucket (migration 0028):
 * whole minutes below 100, then two significant figures. Percentiles are exact at this precision.
 */
export function minutesBucket(seconds: number): number {
  const m = Math.floor(Math.max(seconds, 0) / 60);
  if (m < 100) return m;
  const p = 10 ** (String(m).length - 2);
  return Math.floor(m / p) * p;
}

/**
 * p50 and p90 of a histogram (bucket minutes → count), as PostgreSQL's percentile_disc: the
 * smallest bucket whose cumulative share reaches the fraction. In seconds.
 */
export function durationsOf(histogram: Map<number, number>): Durations {
  const buckets = [...histogram.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const count = buckets.reduce((sum, [, n]) => sum + n, 0);
  const at = (fraction: number): number | null => {
    if (count === 0) return null;
    // As percentile_disc: the row at ceil(fraction × count), counted from 1.
    const target = Math.max(1, Math.ceil(fraction * count));
    let seen = 0;
    for (const [minutes, n] of buckets) {
      seen += n;
      if (seen >= target) return minutes * 60;
    }
    return buckets.at(-1)![0] * 60;
  };
  return { count, p50Seconds: at(0.5), p90Seconds: at(0.9) };
}

/** The UTC days from `from` to `to`, both included, written YYYY-MM-DD. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
