import { ValidationError, type FieldErrors } from '../errors.ts';
import { maskActivationCodes } from '../identifiers/identifiers.ts';
import { isPlainText, unifyLineBreaks } from '../identifiers/plain-text.ts';
import { checkUpload, type AttachmentProblem, type ReceivedFile } from './attachments.ts';
import { whenWriterFree } from './attachment-store.ts';
import type { Queryable } from '../db/db.ts';
import { MAX_DETAILS } from './requests.schema.ts';
import { findRequestForCustomer } from './requests.service.ts';
import type { WebDeps } from '../deps.ts';
import { threadCustomerWords } from './customer-words.ts';

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
 * Whoever holds the request is notified (`customer_replied`). The transaction is the one email
 * replies go through (customer-words.ts).
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

  const words = { message: maskActivationCodes(message), attachments: checked ? [checked] : [] };
  const thread = (tx: Queryable) => threadCustomerWords(tx, deps, row.id, words, ['answer', 'reopened']);
  await (checked ? whenWriterFree(() => deps.db.transaction(thread)) : deps.db.transaction(thread));
  deps.relay.wake();
  return { reference: row.reference, status: 'triage' };
}
