import type { Db } from '../db/db.ts';
import { addDays, daysBetween } from './report-figures.ts';
import {
  analyzeRollups,
  lockRollupState,
  rollUpDays,
  saveRolledThrough,
  sumMonthsOf,
  takeDirtyDays,
  withoutJit,
} from './reports.repository.ts';

/** Days rolled up per statement: a month of a busy desk is one statement of a few seconds. */
const DAYS_PER_STATEMENT = 31;
/**
 * A roll-up of this many days or more (a first one, or after a long stop) analyzes the roll-up
 * tables at once: autovacuum would, but only after a while, and until then the planner takes the
 * new table for empty and sorts a year's sums on disk (300 ms instead of 60 ms a report).
 */
const ANALYZE_AFTER_DAYS = 28;

/**
 * The roll-up job's work (README "Reports"): recounts the days a change touched since the last
 * run (report_dirty_days, written by triggers in the changing transaction) and the days completed
 * since (up to yesterday; today is counted live), in one transaction holding the state row, so two
 * runs take turns and a crash leaves the last roll-up whole. Idempotent: a second run finds nothing.
 */
export async function rollUpReports(db: Db): Promise<{ days: number }> {
  return db.transaction(async (tx) => {
    await withoutJit(tx);
    const state = await lockRollupState(tx);
    const yesterday = addDays(state.today, -1);
    const dirty = await takeDirtyDays(tx, state.today);
    const start = state.rolledThrough ? addDays(state.rolledThrough, 1) : state.firstDay;
    const completed = start && start <= yesterday ? daysBetween(start, yesterday) : [];
    const days = [...new Set([...dirty, ...completed])].sort();
    for (let i = 0; i < days.length; i += DAYS_PER_STATEMENT)
      await rollUpDays(tx, days.slice(i, i + DAYS_PER_STATEMENT));
    // Once all the days are in: a month split across two statements above is summed once.
    if (days.length > 0) await sumMonthsOf(tx, days);
    if (days.length >= ANALYZE_AFTER_DAYS) await analyzeRollups(tx);
    await saveRolledThrough(tx, yesterday);
    return { days: days.length };
  });
}
