import type { Db } from '../db/db.ts';
import { addDays, daysBetween } from './report-figures.ts';
import {
  lockRollupState,
  rollUpDays,
  saveRolledThrough,
  takeDirtyDays,
  withoutJit,
} from './reports.repository.ts';

/** Days rolled up per statement: a month of a busy desk is one statement of a few seconds. */
const DAYS_PER_STATEMENT = 31;

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
    await saveRolledThrough(tx, yesterday);
    return { days: days.length };
  });
}
