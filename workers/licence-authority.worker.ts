import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import {
  carryOutAuthorityCall,
  MissingAuthorityCallError,
} from '../src/decisions/licence-authority.service.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';

const payload = z.object({ callId: z.number().int().positive() });

/**
 * One call to the licensing system (src/decisions/licence-authority.service.ts); idempotent. A
 * failed try throws and BullMQ retries with the `licence-authority` backoff (workers/index.ts).
 */
export function licenceAuthorityHandler(deps: WorkerDeps): JobHandler {
  return async (job) => {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`bad licence-authority payload: ${parsed.error.message}`);
    try {
      return await carryOutAuthorityCall(deps, parsed.data.callId);
    } catch (error) {
      if (error instanceof MissingAuthorityCallError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
