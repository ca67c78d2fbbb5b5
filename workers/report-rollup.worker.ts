import { rollUpReports } from '../src/reports/rollup.service.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';

/** How often the reports' roll-up runs: past days' figures are at most this old (README "Reports"). */
export const REPORT_ROLLUP_EVERY_MS = 5 * 60_000;

/**
 * Recounts the report days changed since the last run (src/reports/rollup.service.ts). The payload
 * names the one state row and carries nothing to check; the work is idempotent and takes its turn
 * under that row's lock, so a repeat or a duplicate only finds less to do.
 */
export function reportRollupHandler(deps: WorkerDeps): JobHandler {
  return async () => {
    const { days } = await rollUpReports(deps.db);
    if (days > 0) deps.logger.info({ days }, 'report days rolled up');
    return { days };
  };
}
