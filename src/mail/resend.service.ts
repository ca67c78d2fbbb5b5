import type { User } from '../auth/user.ts';
import type { Db } from '../db/db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { enqueueInTransaction } from '../outbox/outbox.relay.ts';
import type { Relay } from '../outbox/outbox.relay.ts';
import { requireDeskWorker } from '../auth/roles.ts';
import { insertEvent } from '../history/history.repository.ts';
import { lockEmailToResend, markPendingAgain } from './mail.repository.ts';

/** Emails a person may send again: refused for good, or left unconfirmed by a sender that died. */
export const RESENDABLE = ['failed', 'unconfirmed'] as const;

/**
 * Sends a failed or unconfirmed email again, on a technician's word: the row goes back to
 * pending with a fresh send job and an entry in the request's history, in one transaction.
 * The row lock makes a double click act once; the second finds the email no longer resendable.
 */
export async function resendEmail(
  deps: { db: Db; relay: Relay },
  actor: User,
  emailId: number,
): Promise<{ reference: string | null }> {
  requireDeskWorker(actor);
  const done = await deps.db.transaction(async (tx) => {
    const row = await lockEmailToResend(tx, emailId);
    if (!row) throw new NotFoundError('No email has this id.');
    if (!(RESENDABLE as readonly string[]).includes(row.status))
      throw new ConflictError(
        `This email is ${row.status}: only failed or unconfirmed emails can be sent again.`,
      );
    await markPendingAgain(tx, emailId);
    if (row.request_id !== null) {
      await insertEvent(tx, {
        requestId: row.request_id,
        actor: actor.email,
        type: 'email_resent',
        data: { email_id: emailId, template: row.template, previous_status: row.status },
      });
    }
    await enqueueInTransaction(tx, 'send-email', { emailId });
    return { reference: row.reference };
  });
  deps.relay.wake();
  return done;
}
