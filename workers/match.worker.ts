import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { instantRecovery } from '../src/decisions/instant-recovery.ts';
import { BATCH_OPTIONS, createMatchBatcher } from '../src/matching/match-batcher.ts';
import { RequestNotFoundError } from '../src/matching/matching.service.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';

const payload = z.object({ requestId: z.number().int().positive() });

/**
 * Matches one request; a missing request ends the job, a database fault retries. The jobs the
 * worker has in hand at once share their database work (`createMatchBatcher`). A clear strong
 * claim is resolved in the transaction that stores its verdict (`instantRecovery`).
 */
export function matchHandler(deps: WorkerDeps): JobHandler {
  const match = createMatchBatcher(deps.db, BATCH_OPTIONS, instantRecovery(deps));
  return async (job) => {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad match payload: ${parsed.error.message}`);
    try {
      const result = await match(parsed.data.requestId);
      return { verdict: result.verdict, flags: result.flags };
    } catch (error) {
      if (error instanceof RequestNotFoundError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
