import { AppError } from '../errors.ts';
import { addDays, daysBetween } from './report-figures.ts';
import { MAX_REPORT_DAYS } from './report-summary.ts';

/** The days a report covers when none are asked for: the last 30, today included. */
export const DEFAULT_REPORT_DAYS = 30;

/** A period that cannot be reported: 422, each bad parameter named with why. */
export class InvalidPeriodError extends AppError {
  constructor(readonly fields: Record<string, string>) {
    super('validation_failed', 422, 'The period is not valid: see the fields.');
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A UTC calendar day written YYYY-MM-DD that exists (no 2026-02-30). */
function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === value;
}

function readDay(query: Record<string, unknown>, name: 'from' | 'to', fields: Record<string, string>) {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && isDay(raw)) return raw;
  fields[name] = `${name} must be a day written YYYY-MM-DD`;
  return undefined;
}

/**
 * `?from=YYYY-MM-DD&to=YYYY-MM-DD` as a period (both days included, UTC). Missing: `to` is today and
 * `from` the 30th day back from `to`. Throws InvalidPeriodError for a bad day, from after to, or a
 * period longer than MAX_REPORT_DAYS.
 */
export function parseReportPeriod(query: unknown, today: string): { from: string; to: string } {
  const q = (query ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const asked = { from: readDay(q, 'from', fields), to: readDay(q, 'to', fields) };
  if (Object.keys(fields).length > 0) throw new InvalidPeriodError(fields);
  const to = asked.to ?? today;
  const from = asked.from ?? addDays(to, 1 - DEFAULT_REPORT_DAYS);
  if (from > to) throw new InvalidPeriodError({ from: 'from must be on or before to' });
  if (daysBetween(from, to).length > MAX_REPORT_DAYS)
    throw new InvalidPeriodError({ to: `a report covers at most ${MAX_REPORT_DAYS} days` });
  return { from, to };
}
