import { CUSTOMER_REPLY_KINDS, type CustomerReplyKind } from '../requests/status-page.ts';

/**
 * What came of an inbound message (inbound_messages.outcome, migration 0022's comment). The first
 * four threaded it into a request; the next five did not (counted, listed on /desk/admin/inbound);
 * `bounce` is a delivery report about one of our emails.
 */
export const INBOUND_OUTCOMES = [
  // answer, message, reopened, follow_up: threaded (the status page's words, customer-words.ts)
  ...CUSTOMER_REPLY_KINDS,
  'invalid_token', // no recipient is a reply address the desk issued
  'auto_reply', // an auto-responder (Auto-Submitted, X-Autoreply, Precedence: bulk|junk|list)
  'loop', // one of the desk's own messages came back
  'oversize', // larger than INBOUND_MAX_BYTES
  'unparseable', // not a message postal-mime can read
  'bounce', // a delivery status notification: the email it is about is marked bounced
] as const;

export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

export type NotThreadedOutcome = Exclude<InboundOutcome, CustomerReplyKind | 'bounce'>;

export const NOT_THREADED_OUTCOMES = INBOUND_OUTCOMES.filter(
  (o): o is NotThreadedOutcome => o !== 'bounce' && !(CUSTOMER_REPLY_KINDS as readonly string[]).includes(o),
);

/** Each outcome as the console says it. */
export const INBOUND_OUTCOME_TEXT: Record<InboundOutcome, string> = {
  answer: 'threaded: the answer to a question',
  message: 'threaded: a message on an open request',
  reopened: 'threaded: reopened a closed request',
  follow_up: 'threaded: filed a follow-up request',
  invalid_token: 'not threaded: no valid reply address',
  auto_reply: 'not threaded: an automatic reply',
  loop: 'not threaded: one of our own messages',
  oversize: 'not threaded: too large',
  unparseable: 'not threaded: not a readable message',
  bounce: 'a bounce of one of our emails',
};
