import type { Queryable } from '../db/db.ts';
import type { Locale } from '../i18n/i18n.ts';
import { enqueueInTransaction } from '../outbox/outbox.relay.ts';
import type { Templates } from '../templates.ts';
import type { MailTransport } from './mail.transport.ts';
import {
  claimForSending,
  findEmail,
  insertEmail,
  markAttemptFailed,
  markSent,
  markUnconfirmed,
} from './mail.repository.ts';

/** How long a send may take before a row still marked 'sending' means its sender died. */
export const SENDING_LEASE_SECONDS = 120;

export interface EmailToQueue {
  requestId: number | null;
  template: string;
  locale: Locale;
  to: string;
  context: Record<string, unknown>;
}

/**
 * Renders an email and queues its sending, inside the caller's transaction: the email
 * exists exactly when the change that caused it does.
 */
export async function queueEmail(tx: Queryable, templates: Templates, email: EmailToQueue): Promise<number> {
  const rendered = templates.email(email.template, email.locale, email.context);
  const emailId = await insertEmail(tx, {
    request_id: email.requestId,
    template: email.template,
    locale: email.locale,
    to_address: email.to,
    ...rendered,
  });
  await enqueueInTransaction(tx, 'send-email', { emailId });
  return emailId;
}

export type SendOutcome = 'sent' | 'already_done' | 'unconfirmed';

export class PermanentSendError extends Error {}

/**
 * Sends one rendered email at most once. Only a row still 'pending' is sent; a row found
 * 'sending' whose sender has gone quiet past the lease is marked 'unconfirmed' for a person
 * to check, never resent by itself. `finalAttempt` marks the row failed if this try fails.
 */
export async function sendEmail(
  db: Queryable,
  transport: MailTransport,
  from: string,
  emailId: number,
  finalAttempt: boolean,
): Promise<SendOutcome> {
  const email = await claimForSending(db, emailId);
  if (!email) {
    const current = await findEmail(db, emailId);
    if (!current) throw new PermanentSendError(`email ${emailId} does not exist`);
    if (current.status !== 'sending') return 'already_done';
    if (await markUnconfirmed(db, emailId, SENDING_LEASE_SECONDS)) return 'unconfirmed';
    throw new Error(`email ${emailId} is being sent by another worker`);
  }
  try {
    await transport.send({
      id: email.id,
      from,
      to: email.to_address,
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId: `<${email.message_uuid}@${senderDomain(from)}>`,
    });
  } catch (error) {
    const permanent = isPermanentSmtpFailure(error);
    await markAttemptFailed(db, emailId, describe(error), permanent || finalAttempt);
    throw permanent ? new PermanentSendError(describe(error)) : error;
  }
  await markSent(db, emailId);
  return 'sent';
}

/** A 5xx answer means the server will never take this message; anything else may pass. */
function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The domain of the sender's address, for Message-IDs (RFC 5322 wants one the sender owns). */
function senderDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
