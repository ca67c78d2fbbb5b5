import { maskEmail } from '../codes/activation-code.ts';
import type { Queryable } from '../db/db.ts';
import { listEvents } from '../history/history.repository.ts';
import type { RequestEvent } from '../history/events.ts';
import { isMessageKey, translate, type Locale } from '../i18n/i18n.ts';
import { customerView, formatWhen } from './customer-view.ts';
import { intakeAttachmentNames, type RecoveryRequestRow } from './requests.repository.ts';

/** How long after closing a customer may still write on the status page (it reopens the request). */
export const REOPEN_DAYS = 14;

/**
 * What a customer's words do to a request, by its state (README "Email replies", threading): the
 * answer to a question; a message while it is open; a reopening within REOPEN_DAYS of its closing;
 * later, a new follow-up request. Email may do each; the status page the first and the third.
 */
export const CUSTOMER_REPLY_KINDS = ['answer', 'message', 'reopened', 'follow_up'] as const;
export type CustomerReplyKind = (typeof CUSTOMER_REPLY_KINDS)[number];

export function customerReplyKind(
  request: { status: string; closed_at: Date | null },
  now = new Date(),
): CustomerReplyKind {
  if (request.status === 'waiting_on_customer') return 'answer';
  const closed = request.status === 'resolved' || request.status === 'rejected';
  if (!closed) return 'message';
  const recent = request.closed_at && now.getTime() - request.closed_at.getTime() <= REOPEN_DAYS * 86_400_000;
  return recent ? 'reopened' : 'follow_up';
}

/** What the customer may do on their status page now. */
export type CustomerWriting = 'answer' | 'reopen' | 'none';

export function customerWriting(
  request: { status: string; closed_at: Date | null },
  now = new Date(),
): CustomerWriting {
  const kind = customerReplyKind(request, now);
  return kind === 'answer' ? 'answer' : kind === 'reopened' ? 'reopen' : 'none';
}

/** A stored word (`retail_box`, `recover_code`) as the customer's words, by its message key. */
function words(locale: Locale, key: string, fallback: string): string {
  return isMessageKey(key) ? translate(locale, key) : fallback;
}

interface Said {
  from: 'support' | 'customer';
  label: string;
  text: string;
  attachment?: string;
  at: string;
  atIso: string;
}

/** The messages between support and the customer: questions, answers, a message with a decision. */
function conversation(events: RequestEvent[], locale: Locale): Said[] {
  const said: Said[] = [];
  for (const e of events) {
    const text = typeof e.data.message === 'string' ? e.data.message : '';
    const at = { at: formatWhen(e.created_at, locale), atIso: e.created_at.toISOString() };
    if (e.type === 'info_requested' || (e.type === 'rejected' && text))
      said.push({ from: 'support', label: translate(locale, 'status.from_support'), text, ...at });
    if (e.type === 'customer_replied') {
      const attachment = typeof e.data.attachment === 'string' ? e.data.attachment : undefined;
      said.push({ from: 'customer', label: translate(locale, 'status.from_you'), text, attachment, ...at });
    }
  }
  return said;
}

/** How a closed request ended, in the customer's words: what was sent where, or the reason. */
function outcome(row: RecoveryRequestRow, events: RequestEvent[], locale: Locale): string | null {
  if (row.status !== 'resolved' && row.status !== 'rejected') return null;
  for (const e of [...events].reverse()) {
    if (e.type === 'code_sent' && typeof e.data.to === 'string')
      return translate(locale, 'status.outcome.code_sent', { address: maskEmail(e.data.to) });
    if (e.type === 'refund_approved') {
      const amount = new Intl.NumberFormat(locale, { style: 'currency', currency: String(e.data.currency) });
      return translate(locale, 'status.outcome.refunded', { amount: amount.format(Number(e.data.amount)) });
    }
    if (e.type === 'rejected') return words(locale, `reason.${String(e.data.reason)}`, '');
  }
  return null;
}

/** Everything the status page shows of a request, in the customer's language. */
export async function statusPageView(db: Queryable, row: RecoveryRequestRow, locale: Locale) {
  const events = await listEvents(db, row.id);
  const request = row;
  const country = new Intl.DisplayNames([locale], { type: 'region' }).of(request.country) ?? request.country;
  const writing = customerWriting(row);
  return {
    request: customerView(row, locale),
    closed: row.status === 'resolved' || row.status === 'rejected',
    outcome: outcome(row, events, locale),
    conversation: conversation(events, locale),
    attachments: await intakeAttachmentNames(db, row.id),
    writing: { answer: writing === 'answer', reopen: writing === 'reopen', any: writing !== 'none' },
    told: {
      channel: words(locale, `field.channel.${request.channel}`, request.channel),
      country,
      reason: words(locale, `field.reason.${request.reason}`, request.reason),
      desiredOutcome: words(
        locale,
        `field.desired_outcome.${request.desired_outcome}`,
        request.desired_outcome,
      ),
    },
  };
}
