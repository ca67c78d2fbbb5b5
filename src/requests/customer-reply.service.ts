import { ConflictError, ValidationError, type FieldErrors } from '../errors.ts';
import { maskActivationCodes } from '../identifiers/identifiers.ts';
import { isPlainText, unifyLineBreaks } from '../identifiers/plain-text.ts';
import { enqueueInTransaction } from '../outbox/outbox.relay.ts';
import { checkUpload, displayName, type AttachmentProblem, type ReceivedFile } from './attachments.ts';
import { fileCipherOf, storeAttachment, whenWriterFree } from './attachment-store.ts';
import type { Queryable } from '../db/db.ts';
import { MAX_DETAILS } from './requests.schema.ts';
import { findRequestForCustomer } from './requests.service.ts';
import type { WebDeps } from '../deps.ts';
import { insertEvent } from '../history/history.repository.ts';
import { notify } from '../notifications/notifications.service.ts';
import { customerWriting } from './status-page.ts';
import { lockTicketById, moveTicket } from './status.repository.ts';

export interface CustomerReply {
  message: unknown;
  /** A temporary file (upload-reader.ts), or why it was refused. */
  attachment?: ReceivedFile | AttachmentProblem;
}

/**
 * The customer writes on the status page (README "Decisions", request info), in one transaction:
 * an answer to a technician's question (and any proof of purchase) goes into the history, the
 * request returns to triage with its service-level clock running again, and matching runs again;
 * a message within REOPEN_DAYS of the request's closing reopens it to triage for a technician.
 * Whoever holds the request is notified (`customer_replied`).
 */
export async function replyAsCustomer(
  deps: Pick<WebDeps, 'db' | 'config' | 'relay'>,
  referenceInput: string,
  token: string | undefined,
  reply: CustomerReply,
): Promise<{ reference: string; status: string }> {
  const row = await findRequestForCustomer(deps, referenceInput, token);
  const message = typeof reply.message === 'string' ? unifyLineBreaks(reply.message).trim() : '';
  const given = reply.attachment;
  const checked = typeof given === 'object' ? await checkUpload(given) : given;
  const errors: FieldErrors = {};
  if (!message) errors.message = { key: 'error.required' };
  else if (!isPlainText(message)) errors.message = { key: 'error.control_characters' };
  else if (message.length > MAX_DETAILS)
    errors.message = { key: 'error.too_long', params: { max: MAX_DETAILS } };
  if (typeof checked === 'string') errors.attachment = { key: checked };
  if (Object.keys(errors).length > 0 || typeof checked === 'string') throw new ValidationError(errors);

  const transaction = (work: (tx: Queryable) => Promise<void>) =>
    checked ? whenWriterFree(() => deps.db.transaction(work)) : deps.db.transaction(work);
  await transaction(async (tx) => {
    const ticket = await lockTicketById(tx, row.id);
    const writing = ticket ? customerWriting(ticket) : 'none';
    if (writing === 'none') throw new ConflictError('This request is not waiting for a message from you.');
    if (checked) await storeAttachment(tx, fileCipherOf(deps.config), row.id, checked);
    await insertEvent(tx, {
      requestId: row.id,
      actor: 'customer',
      type: 'customer_replied',
      data: {
        message: maskActivationCodes(message),
        ...(checked ? { attachment: displayName(checked.originalName) } : {}),
        ...(writing === 'reopen' ? { reopened: true } : {}),
      },
    });
    await moveTicket(tx, row.id, 'triage', false);
    if (ticket?.claimed_by)
      await notify(tx, deps.config, {
        kind: 'customer_replied',
        to: { userIds: [ticket.claimed_by] },
        actorId: null,
        request: ticket,
        data: writing === 'reopen' ? { reopened: true } : {},
      });
    // An answer may bring new evidence; a message after the outcome is for a person to read.
    if (writing === 'answer') await enqueueInTransaction(tx, 'match', { requestId: row.id });
  });
  deps.relay.wake();
  return { reference: row.reference, status: 'triage' };
}
