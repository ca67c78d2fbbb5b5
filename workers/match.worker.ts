import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { matchRequest, RequestNotFoundError } from '../src/matching/matching.service.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';

const payload = z.object({ requestId: z.number().int().positive() });

/** Matches one request; a missing request ends the job, a database fault retries. */
export function matchHandler(deps: WorkerDeps): JobHandler {
  return async (job) => {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad match payload: ${parsed.error.message}`);
    try {
      const result = await matchRequest(deps.db, parsed.data.requestId);
      return { verdict: result.verdict, flags: result.flags };
    } catch (error) {
      if (error instanceof RequestNotFoundError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
