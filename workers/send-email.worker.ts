import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { PermanentSendError, sendEmail } from '../src/mail/mail.service.ts';
import { createCodeCipher } from '../src/purchases/code-cipher.ts';
import { isFinalAttempt, type JobHandler, type WorkerDeps } from './job-handler.ts';

const payload = z.object({ emailId: z.number().int().positive() });

/** Renders (from the row's facts) and sends one email; a 5xx answer or a missing row ends the job, anything else retries. */
export function sendEmailHandler(deps: WorkerDeps): JobHandler {
  const cipher = createCodeCipher(deps.config.secretKey, deps.config.secretKeyPrevious);
  return async (job) => {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad send-email payload: ${parsed.error.message}`);
    const { emailId } = parsed.data;
    try {
      const sender = {
        db: deps.db,
        transport: deps.transport,
        from: deps.config.mailFrom,
        templates: deps.templates,
        cipher,
      };
      const outcome = await sendEmail(sender, emailId, isFinalAttempt(job));
      if (outcome === 'unconfirmed')
        deps.logger.error({ emailId }, 'email marked unconfirmed: its sender stopped mid-send');
      return outcome;
    } catch (error) {
      if (error instanceof PermanentSendError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
