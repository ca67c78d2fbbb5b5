import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { answerCodeLookup, MissingLookupError } from '../src/lookups/code-lookups.service.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';

const payload = z.object({ lookupId: z.number().int().positive() });

/** Answers one "Email me my codes" lookup (src/lookups/code-lookups.service.ts); idempotent. */
export function codeLookupHandler(deps: WorkerDeps): JobHandler {
  return async (job) => {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad code-lookup payload: ${parsed.error.message}`);
    try {
      return await answerCodeLookup(deps, parsed.data.lookupId);
    } catch (error) {
      if (error instanceof MissingLookupError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
