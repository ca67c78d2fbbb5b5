import { APPROVAL_KIND_TEXT, APPROVAL_KINDS, type ApprovalKind } from '../decisions/approval-kinds.ts';
import type { NotificationKind } from '../notifications/notification-kinds.ts';
import type { NotificationRow } from '../notifications/notifications.repository.ts';
import { consoleTime, type ShownTime } from '../time-text.ts';

export interface NotificationView {
  id: number;
  reference: string;
  sentence: string;
  unread: boolean;
  at: string;
  when: ShownTime;
}

type Data = Record<string, unknown>;

/** One sentence per kind; a kind added to NOTIFICATION_KINDS without one does not compile. */
const SENTENCES: Record<NotificationKind, (reference: string, d: Data) => string> = {
  customer_replied: (ref, d) =>
    d.reopened === true
      ? `The customer of ${ref} wrote after it was closed: it is open again.`
      : `The customer answered on ${ref}, which you hold.`,
  approval_waiting: (ref, d) =>
    `${text(d.proposedBy, 'A colleague')} proposes ${proposal(d)}${amount(d)} for ${ref}: it waits for approval.`,
  proposal_approved: (ref, d) => `${text(d.by, 'A supervisor')} approved ${proposal(d)} for ${ref}.`,
  proposal_turned_down: (ref, d) =>
    `${text(d.by, 'A supervisor')} turned down ${proposal(d)} for ${ref}: it is back in triage.`,
  assigned: (ref, d) => `${text(d.by, 'A supervisor')} assigned ${ref} to you.`,
  taken_over: (ref, d) => `${text(d.by, 'A colleague')} took over ${ref}, which you held.`,
  authority_refused: (ref, d) =>
    d.call === 'replacement'
      ? `The licensing system refused the new code for ${ref}: nothing was sent, and it is back in triage with you.`
      : `The licensing system refused the ${d.call === 'refund' ? 'refund' : 'revocation'} report for ${ref}: tell the vendor's licensing team; the history says why.`,
  instant_recovery_paused: (ref, d) =>
    `Instant recovery paused itself at ${String(d.sends)} automatic sends in an hour (limit ${String(d.limit)}); ${ref} and the strong requests after it wait in the queue until an admin resumes it.`,
};

/** A notification as the list shows it: a sentence, unread or not, and when. */
export function notificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    reference: row.reference,
    sentence: SENTENCES[row.kind](row.reference, row.data),
    unread: row.read_at === null,
    at: new Date(row.created_at).toISOString(),
    when: consoleTime(row.created_at),
  };
}

function proposal(d: Data): string {
  const kind = APPROVAL_KINDS.find((k): k is ApprovalKind => k === d.approvalKind);
  return kind ? APPROVAL_KIND_TEXT[kind] : 'a proposal';
}

function amount(d: Data): string {
  return typeof d.amount === 'string' && typeof d.currency === 'string'
    ? ` of ${d.amount} ${d.currency}`
    : '';
}

function text(value: unknown, otherwise: string): string {
  return typeof value === 'string' && value ? value : otherwise;
}
