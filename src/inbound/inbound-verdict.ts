import type { Config } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import {
  addressOf,
  isAutoReply,
  reportedMessageId,
  reportsFailure,
  type InboundMessage,
} from './inbound-message.ts';
import { findOurEmail, type InboundState } from './inbound.repository.ts';
import type { NotThreadedOutcome } from './inbound-outcomes.ts';
import { requestOfReplyAddress } from '../mail/reply-tokens.ts';

export type OurEmail = NonNullable<Awaited<ReturnType<typeof findOurEmail>>>;

/** What the rules make of a message, before anything is written. */
export type Verdict =
  | { kind: 'not_threaded'; outcome: NotThreadedOutcome }
  /** `email` is the one of ours it returns, when found; `failed` false for a "delayed" report. */
  | { kind: 'bounce'; email: OurEmail | undefined; failed: boolean }
  | { kind: 'thread'; requestId: number };

/**
 * The threading rules in the order they apply (README "Email replies", threading): a delivery
 * report is a bounce; the desk's own message coming back is a loop; an auto-responder's is an
 * auto-reply; otherwise the first recipient that is a valid reply address names the request. None
 * of the not-threaded outcomes sends anything, so no exchange of machines can start here.
 */
export async function verdictOf(
  db: Queryable,
  config: Pick<Config, 'mailFrom' | 'inbound'>,
  state: InboundState,
  message: InboundMessage,
): Promise<Verdict> {
  if (message.isReport) {
    const id = reportedMessageId(message);
    const email = id ? await ourEmailByMessageId(db, id) : undefined;
    return { kind: 'bounce', email, failed: reportsFailure(message) };
  }
  const ours = message.messageId ? await ourEmailByMessageId(db, message.messageId) : undefined;
  if (ours || message.from === addressOf(config.mailFrom)) return { kind: 'not_threaded', outcome: 'loop' };
  if (isAutoReply(message)) return { kind: 'not_threaded', outcome: 'auto_reply' };
  const requestId = await requestOfRecipients(db, config.inbound.domain, [
    ...state.envelope_to,
    ...message.headerRecipients,
  ]);
  return requestId === undefined
    ? { kind: 'not_threaded', outcome: 'invalid_token' }
    : { kind: 'thread', requestId };
}

/** Our Message-IDs are `<message_uuid@domain>`. */
function ourEmailByMessageId(db: Queryable, messageId: string) {
  return findOurEmail(db, messageId.split('@')[0]!);
}

async function requestOfRecipients(db: Queryable, domain: string | undefined, recipients: string[]) {
  if (!domain) return undefined;
  for (const address of new Set(recipients.map((r) => r.trim().toLowerCase()))) {
    const requestId = await requestOfReplyAddress(db, address, domain);
    if (requestId !== undefined) return requestId;
  }
  return undefined;
}
