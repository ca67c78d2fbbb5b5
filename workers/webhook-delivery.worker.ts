import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { deliverWebhook, MissingDeliveryError } from '../src/webhooks/webhook-delivery.service.ts';
import { isFinalAttempt, type JobHandler, type WorkerDeps } from './job-handler.ts';

const payload = z.object({ deliveryId: z.number().int().positive() });

/** One attempt of one webhook delivery (src/webhooks/webhook-delivery.service.ts); idempotent. */
export function webhookDeliveryHandler(deps: WorkerDeps): JobHandler {
  return async (job) => {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`bad webhook-delivery payload: ${parsed.error.message}`);
    try {
      return await deliverWebhook(deps, parsed.data.deliveryId, isFinalAttempt(job));
    } catch (error) {
      if (error instanceof MissingDeliveryError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
