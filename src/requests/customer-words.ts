import type { Config } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { insertEvent } from '../history/history.repository.ts';
import { isLocale } from '../i18n/i18n.ts';
import { notify } from '../notifications/notifications.service.ts';
import { enqueueInTransaction } from '../outbox/outbox.relay.ts';
import { displayName, type CheckedUpload } from './attachments.ts';
import { fileCipherOf, storeAttachment } from './attachment-store.ts';
import { findById, linkFollowUp, type RecoveryRequestRow } from './requests.repository.ts';
import type { NewRecoveryRequest } from './requests.schema.ts';
import { insertFiled } from './requests.service.ts';
import { customerReplyKind, type CustomerReplyKind } from './status-page.ts';
import { lockTicketById, moveTicket } from './status.repository.ts';

/** What a customer wrote, from the status page or by email, checked and masked by the caller. */
export interface CustomerWords {
  /** Plain text, activation codes masked, at most MAX_DETAILS characters. */
  message: string;
  /** Files that passed checkUpload, stored with the words. */
  attachments: CheckedUpload[];
  /** By email: who sent it, the inbound message's id, and the attachments refused (their names). */
  email?: { from: string | null; inboundId: number; refused: string[] };
}

export interface ThreadedWords {
  kind: CustomerReplyKind;
  /** The request the words went to: the follow-up's, when one was filed. */
  requestId: number;
  reference: string;
}

type Deps = {
  config: Pick<Config, 'publicUrl' | 'secretKey' | 'secretKeyPrevious' | 'dueHours' | 'inbound'>;
};

/**
 * The one transaction body for a customer's words, from the status page (replyAsCustomer) or by
 * email (processInbound), in the caller's transaction (run in whenWriterFree when there are files):
 * waiting on the customer, the answer (back to triage, matching again); open, a message in history;
 * closed within REOPEN_DAYS, reopened to triage; closed earlier, a linked follow-up request filed
 * as intake files one. The holder is told (`customer_replied`). Kinds not in `accepted`: conflict.
 */
export async function threadCustomerWords(
  tx: Queryable,
  deps: Deps,
  requestId: number,
  words: CustomerWords,
  accepted: readonly CustomerReplyKind[],
): Promise<ThreadedWords> {
  const ticket = await lockTicketById(tx, requestId);
  if (!ticket) throw new NotFoundError('No request has this id.');
  const kind = customerReplyKind(ticket);
  if (!accepted.includes(kind))
    throw new ConflictError('This request is not waiting for a message from you.');
  if (kind === 'follow_up') return fileFollowUp(tx, deps, requestId, words);
  for (const file of words.attachments) await storeAttachment(tx, fileCipherOf(deps.config), requestId, file);
  await insertEvent(tx, {
    requestId,
    actor: 'customer',
    type: 'customer_replied',
    data: { message: words.message, ...wordsData(words), ...KIND_DATA[kind] },
  });
  if (kind !== 'message') await moveTicket(tx, requestId, 'triage', false);
  if (ticket.claimed_by)
    await notify(tx, deps.config, {
      kind: 'customer_replied',
      to: { userIds: [ticket.claimed_by] },
      actorId: null,
      request: ticket,
      data: kind === 'reopened' ? { reopened: true } : {},
    });
  // An answer may bring new evidence; a message after the outcome is for a person to read.
  if (kind === 'answer') await enqueueInTransaction(tx, 'match', { requestId });
  return { kind, requestId, reference: ticket.reference };
}

// How the history tells the kinds apart (`reopened` as the status page always wrote it).
const KIND_DATA: Record<Exclude<CustomerReplyKind, 'follow_up'>, Record<string, unknown>> = {
  answer: {},
  message: { while_open: true },
  reopened: { reopened: true },
};

/** The attachments' names and, by email, how it came: recorded with the words. */
function wordsData(words: CustomerWords): Record<string, unknown> {
  const names = words.attachments.map((a) => displayName(a.originalName));
  return {
    ...(names.length > 0 ? { attachment: names.join(', ') } : {}),
    ...(words.email
      ? {
          via: 'email',
          from: words.email.from,
          inbound_id: words.email.inboundId,
          ...(words.email.refused.length > 0 ? { refused: words.email.refused } : {}),
        }
      : {}),
  };
}

/**
 * A new request for words about one closed too long ago to reopen: the original's requester and
 * evidence, the words as its details, filed as intake files one (its event, acknowledgement email
 * and match job), linked by `follow_up_of`. A clash of references fails the transaction, which the
 * caller's job retries.
 */
async function fileFollowUp(tx: Queryable, deps: Deps, originalId: number, words: CustomerWords) {
  const original = (await findById(tx, originalId))!;
  const locale = isLocale(original.locale) ? original.locale : 'en';
  const { id, filed } = await insertFiled(
    tx,
    deps.config,
    evidenceOf(original, words),
    locale,
    null,
    'email',
  );
  await linkFollowUp(tx, id, originalId);
  for (const file of words.attachments) await storeAttachment(tx, fileCipherOf(deps.config), id, file);
  await insertEvent(tx, {
    requestId: id,
    actor: 'customer',
    type: 'customer_replied',
    data: { message: words.message, ...wordsData(words), follow_up_of: original.reference },
  });
  return { kind: 'follow_up' as const, requestId: id, reference: filed.reference };
}

function evidenceOf(original: RecoveryRequestRow, words: CustomerWords): NewRecoveryRequest {
  return {
    email: original.email,
    name: original.name,
    licenseNumber: original.license_number,
    licenseKey: original.license_key,
    orderNumber: original.order_number,
    channel: original.channel as NewRecoveryRequest['channel'],
    store: original.store,
    country: original.country,
    purchasedOn: original.purchased_on,
    reason: original.reason as NewRecoveryRequest['reason'],
    desiredOutcome: original.desired_outcome as NewRecoveryRequest['desiredOutcome'],
    details: words.message,
    locale: isLocale(original.locale) ? original.locale : null,
    typed: original.typed,
  };
}
