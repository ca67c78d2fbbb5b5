import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { processInbound } from '../src/inbound/inbound.service.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';

const payload = z.object({ inboundId: z.number().int().positive() });

/** Reads one stored inbound message and threads it (src/inbound/inbound.service.ts). */
export function inboundEmailHandler(deps: WorkerDeps): JobHandler {
  return async (job) => {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad inbound-email payload: ${parsed.error.message}`);
    return processInbound(deps, parsed.data.inboundId);
  };
}
