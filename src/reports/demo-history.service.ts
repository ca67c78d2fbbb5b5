import type { Db } from '../db/db.ts';
import { insertGeneratedHistory } from './generated-history.repository.ts';
import { rollUpReports } from './rollup.service.ts';

/** How many requests `desk demo --history` files over the year: enough for every chart to show. */
export const DEMO_HISTORY_REQUESTS = 5_000;

/**
 * `desk demo --history` (README "Reports"): a year of generated requests, marked as demo data
 * (intake channel `demo`, references RD-H…; a second run adds none), then the roll-ups built, so
 * /desk/reports has a year to show at once.
 */
export async function loadDemoHistory(db: Db): Promise<{ daysRolledUp: number }> {
  await insertGeneratedHistory(db, { requests: DEMO_HISTORY_REQUESTS, days: 365, channels: ['demo'] });
  const { days } = await rollUpReports(db);
  return { daysRolledUp: days };
}
