/**
 * The period's days, and the bins the per-day figures are drawn in: days, or for a long period
 * weeks (seven days counted from the period's first day; the last may be shorter), because a year
 * of daily bars is a grey smear on a phone.
 */

/** Periods longer than this are drawn per week. */
export const DAILY_UP_TO_DAYS = 90;

const DAY_MS = 86_400_000;

/** Every day from `from` to `to`, both included, as `YYYY-MM-DD` (UTC). */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += DAY_MS) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

export interface Bins {
  weekly: boolean;
  /** The first day of each bin, in order. */
  starts: string[];
  /** The bin (its first day) each day of the period falls in. */
  binOf: Map<string, string>;
}

/** Days, or weeks for a period longer than DAILY_UP_TO_DAYS (unless `alwaysDaily`). */
export function binsOf(days: string[], alwaysDaily = false): Bins {
  const weekly = !alwaysDaily && days.length > DAILY_UP_TO_DAYS;
  const size = weekly ? 7 : 1;
  const starts: string[] = [];
  const binOf = new Map<string, string>();
  days.forEach((day, i) => {
    if (i % size === 0) starts.push(day);
    binOf.set(day, starts[starts.length - 1]!);
  });
  return { weekly, starts, binOf };
}

/**
 * Sums rows of `{ day, ...counts }` into the bins, each bin with every key (zeros included), so
 * that the chart and the table show days without any row.
 */
export function sumIntoBins<K extends string>(
  bins: Bins,
  keys: readonly K[],
  rows: Iterable<{ day: string; key: K; count: number }>,
): Record<K, number>[] {
  const at = new Map(bins.starts.map((start, i) => [start, i]));
  const sums = bins.starts.map(() => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>);
  for (const row of rows) {
    const start = bins.binOf.get(row.day);
    if (start === undefined) continue; // a row outside the period is not drawn
    sums[at.get(start)!]![row.key] += row.count;
  }
  return sums;
}
