import { z } from 'zod';
import { MAX_REPORT_DAYS } from '../reports/report-summary.ts';

/** The period picker's presets: the last N days, today included. */
export const REPORT_PRESETS = [7, 30, 90, 365] as const;
export const DEFAULT_PRESET = 30;

const DAY_MS = 86_400_000;
const EARLIEST = '2000-01-01';

/** What the picker sent, each field a single string if at all (a repeated field is refused). */
const periodQuery = z.object({
  from: z.string().max(20).optional(),
  to: z.string().max(20).optional(),
  days: z.string().max(5).optional(),
});

export type PeriodChoice =
  { ok: true; from: string; to: string } | { ok: false; message: string; from: string; to: string };

/**
 * The period a report covers, from the page's query: a preset (`days`), or `from` and `to`
 * (`YYYY-MM-DD`, both included; either left empty means today for `to`, and the 30 days up to
 * `to` for `from`), or by default the last 30 days. Anything else is a sentence for the page.
 */
export function parsePeriod(query: unknown, today: string): PeriodChoice {
  const parsed = periodQuery.safeParse(query ?? {});
  if (!parsed.success) return refused('Choose one start date and one end date.', '', '');
  const { from = '', to = '', days } = parsed.data;
  if (days !== undefined && days !== '') {
    const n = Number(days);
    if (!(REPORT_PRESETS as readonly number[]).includes(n))
      return refused(
        `Choose one of the periods offered: the last ${REPORT_PRESETS.join(', ')} days.`,
        from,
        to,
      );
    return { ok: true, from: shift(today, -(n - 1)), to: today };
  }
  const end = to.trim() || today;
  if (!isDay(end)) return refused(`The end date “${to}” is not a date: write it as YYYY-MM-DD.`, from, to);
  const start = from.trim() || shift(end, -(DEFAULT_PRESET - 1));
  if (!isDay(start))
    return refused(`The start date “${from}” is not a date: write it as YYYY-MM-DD.`, from, to);
  if (end > today) return refused('The end date is in the future: choose today or an earlier day.', from, to);
  if (start < EARLIEST)
    return refused('The start date is before 2000: the desk has nothing that old.', from, to);
  if (start > end) return refused('The start date is after the end date: swap them.', from, to);
  const span = (Date.parse(end) - Date.parse(start)) / DAY_MS + 1;
  if (span > MAX_REPORT_DAYS)
    return refused(`A report covers at most ${MAX_REPORT_DAYS} days; this period has ${span}.`, from, to);
  return { ok: true, from: start, to: end };
}

/** Today's date in UTC, as the reports count days. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function refused(message: string, from: string, to: string): PeriodChoice {
  return { ok: false, message, from, to };
}

/** A real calendar day written YYYY-MM-DD (not 2026-02-30). */
function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const at = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === text;
}

function shift(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
