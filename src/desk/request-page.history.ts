import type { ApprovalKind } from '../decisions/approval-kinds.ts';
import type { RejectReason } from '../decisions/decisions.schema.ts';
import type { EventType, RequestEvent } from '../history/events.ts';
import { intakeChannelText } from '../requests/intake-channel.ts';
import { FLAG_LABEL, VERDICT_WORDS, wordFor } from './words.ts';

/** Each reject reason as the desk says it, for the reject form and the history. */
export const REJECT_REASON_TEXT: Record<RejectReason, string> = {
  no_purchase_found: 'No purchase found',
  trial_license: 'Trial licence',
  license_expired: 'Licence expired (sends the renewal offer)',
  bought_from_partner: 'Bought from a partner (sends "ask your store")',
  suspected_fraud: 'Suspected fraud',
  duplicate: 'Duplicate of another request',
};

/** What a supervisor turned down, by the approval's kind. */
const PROPOSAL_NAME: Record<ApprovalKind, string> = {
  refund: 'refund',
  reissue_elsewhere: 'reissue to another address',
};

export interface HistoryLine {
  who: string;
  when: Date;
  what: string;
  /** Free text that belongs to the event (a note, a question, the customer's answer), shown as a block. */
  text?: string;
}

type Data = Record<string, unknown>;
const str = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : value === undefined || value === null
      ? ''
      : JSON.stringify(value);
const approvalRef = (d: Data) => (d.approval_id ? ` (approval #${str(d.approval_id)})` : '');

/** A person's code send (a reissue, or an approved send elsewhere). */
const sentTheCode = (d: Data) =>
  `sent the code (${d.mode === 'replace' ? `a new code${d.from_authority ? ' from the licensing system' : ''}, the old one revoked` : 'resent'}) to ${str(d.to)}` +
  (d.requester_notified ? '; the requester was told where it went' : '') +
  (d.purchaser_notified ? '; the purchaser was told, without the code' : '') +
  approvalRef(d);

// One sentence per event type (src/history/events.ts): a type without one does not compile.
const WORDS: Record<EventType, (d: Data) => string> = {
  received: (d) => `filed the request${d.channel ? ` (${intakeChannelText(str(d.channel))})` : ''}`,
  matched: (d) =>
    `matched it: ${wordFor(VERDICT_WORDS, str(d.verdict))}, score ${str(d.score)}` +
    (Array.isArray(d.flags) && d.flags.length
      ? `, flags: ${d.flags.map((f) => wordFor(FLAG_LABEL, str(f))).join(', ')}`
      : '') +
    (d.license_number ? `, licence ${str(d.license_number)}` : ''),
  claimed: (d) => (d.auto ? 'claimed it on deciding' : 'claimed it'),
  taken_over: (d) => `took it over from ${str(d.from)}`,
  released: (d) => (d.from ? `released it to the queue from ${str(d.from)}` : 'released it to the queue'),
  assigned: (d) => `assigned it to ${str(d.to)}${d.from ? ` (it was ${str(d.from)}'s)` : ''}`,
  code_sent: (d) =>
    d.automatic
      ? `Resolved automatically: code sent to the purchaser's address of record (${str(d.to)})`
      : sentTheCode(d),
  reissue_proposed: (d) =>
    `proposed sending the code (${str(d.mode)}) to ${str(d.to)}, for a supervisor to approve${approvalRef(d)}`,
  refund_proposed: (d) =>
    `proposed a refund of ${str(d.amount)} ${str(d.currency)}, for a supervisor to approve${approvalRef(d)}`,
  refund_approved: (d) =>
    `approved the refund of ${str(d.amount)} ${str(d.currency)}: purchase refunded, code revoked${approvalRef(d)}`,
  approval_rejected: (d) =>
    `turned down the ${PROPOSAL_NAME[d.kind as ApprovalKind] ?? str(d.kind)}${approvalRef(d)}`,
  info_requested: () => 'asked the customer for more information',
  customer_replied: (d) => customerWords(d),
  rejected: (d) =>
    `rejected the request: ${REJECT_REASON_TEXT[d.reason as RejectReason] ?? str(d.reason)}` +
    (d.email ? ` (email ${str(d.email)})` : ''),
  note: () => 'added an internal note',
  email_resent: (d) => `sent the ${str(d.template)} email again (it was ${str(d.previous_status)})`,
  email_bounced: (d) =>
    `reported that the ${str(d.template)} email to ${str(d.to)} bounced (delivery report from ${str(d.from) || 'unknown'})`,
  auto_resend_held: (d) => `left a clear case to a person: ${str(d.why ?? d.reason)}`,
  replacement_requested: (d) =>
    `asked the licensing system for a new code: the request waits for it${approvalRef(d)}`,
  authority_refused: (d) =>
    `refused the ${AUTHORITY_CALL_TEXT[str(d.call)] ?? str(d.call)} (${str(d.error)})` +
    (d.call === 'replacement' ? ': the request is back in triage, no code was sent' : ''),
  rated: (d) =>
    `rated the outcome: ${d.answer === 'helpful' ? 'helpful' : d.answer === 'not_helpful' ? 'not helpful' : str(d.answer)}`,
};

const AUTHORITY_CALL_TEXT: Record<string, string> = {
  replacement: 'new code',
  revocation: 'report of the revoked code',
  refund: 'report of the refund',
};

/** The customer's words: what they did to the request, how they came, and their files. */
function customerWords(d: Data): string {
  const what = d.follow_up_of
    ? `wrote about ${str(d.follow_up_of)}, closed too long ago to reopen: this is its follow-up`
    : d.reopened
      ? 'wrote after the request was closed, which reopened it'
      : d.while_open
        ? 'wrote a message'
        : 'answered';
  const refused = Array.isArray(d.refused) && d.refused.length ? d.refused.map(str).join(', ') : '';
  return (
    what +
    (d.via === 'email' ? ` by email from ${str(d.from) || 'an unknown sender'}` : '') +
    (d.attachment ? `, attaching ${str(d.attachment)}` : '') +
    (refused ? `; refused attachments (not stored): ${refused}` : '')
  );
}

// Which data field holds the event's free text, shown under the sentence.
const TEXT_FIELD: Partial<Record<EventType, string>> = {
  note: 'text',
  info_requested: 'message',
  customer_replied: 'message',
  rejected: 'message',
  approval_rejected: 'note',
};

/** An event of the request's history in a technician's words: who, when, what. */
export function historyLine(event: RequestEvent): HistoryLine {
  // A row of a type no longer written (an older desk's) still shows, with its data as written.
  const words = (WORDS as Partial<typeof WORDS>)[event.type];
  const what = words
    ? words(event.data)
    : `${event.type.replace(/_/g, ' ')}${Object.keys(event.data).length ? ` ${JSON.stringify(event.data)}` : ''}`;
  const field = TEXT_FIELD[event.type];
  const text = field ? str(event.data[field]) : '';
  return { who: event.actor, when: event.created_at, what, ...(text ? { text } : {}) };
}
