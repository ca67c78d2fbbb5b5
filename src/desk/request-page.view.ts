import { utcMinute } from '../time-text.ts';
import { randomUUID } from 'node:crypto';
import type { User } from '../auth/user.ts';
import { REJECT_REASONS, type Decision, type DecisionType } from '../decisions/decisions.schema.ts';
import { decisionsOpenIn } from '../decisions/decisions.service.ts';
import { RESENDABLE } from '../mail/resend.service.ts';
import type { MatchResult } from '../matching/match-result.ts';
import { expiresOn } from '../matching/verdict.ts';
import type { Ticket } from '../tickets/tickets.service.ts';
import { dueText, FLAG_TEXT } from './queue-view.ts';
import { historyLine, REJECT_REASON_TEXT } from './request-page.history.ts';
import type { RequestPageData } from './request-page.service.ts';

/** What was typed into the form that failed, to show it again with the rule's message. */
export interface KeptForm {
  error: string;
  values?: Record<string, string | undefined>;
  /** The decision the broken rule points to instead: its reject reason is preselected. */
  suggested?: Decision;
}

const FIELD_LABEL: Record<string, string> = {
  license_number: 'Licence number',
  license_key: 'Licence key',
  order_number: 'Order number',
  email: 'Email',
  name: 'Name',
  purchased_on: 'Purchase date',
  channel: 'Channel',
  store: 'Store',
  country: 'Country',
};

/** "2026-05-01 14:03 UTC": one unambiguous form for every time on the page. */
export function when(date: Date | string | null | undefined): string {
  if (!date) return '';
  return utcMinute(date);
}

export function requestPageView(data: RequestPageData, user: User, kept?: KeptForm) {
  const { ticket } = data;
  // Our own matcher wrote it, so its shape is MatchResult's.
  const match = ticket.match as MatchResult | null;
  const heldByOther = ticket.claim !== null && ticket.claim.by !== user.email;
  // decide() holds the rule (409 otherwise); this only spares the technician forms that cannot work.
  const offered = decisionsOpenIn(ticket.status);
  return {
    title: ticket.reference,
    reference: ticket.reference,
    status: ticket.status,
    statusLabel: ticket.status.replace(/_/g, ' '),
    match: match ? { verdict: match.verdict, score: match.score.toFixed(2) } : null,
    due: dueView(ticket),
    claim: ticket.claim ? { by: ticket.claim.by, at: when(ticket.claim.at), mine: !heldByOther } : null,
    heldByOther,
    closed: ticket.status === 'resolved' || ticket.status === 'rejected',
    request: { ...ticket.request, created_at: when(ticket.created_at) },
    duplicateOf: ticket.duplicate_of,
    fields: (match?.fields ?? []).map((f) => ({
      ...f,
      label: FIELD_LABEL[f.field] ?? f.field,
      typed: ticket.typed[f.field] ?? f.claimed,
    })),
    flags: (match?.flags ?? []).map((flag) => ({ flag, text: FLAG_TEXT[flag] ?? flag })),
    reasons: match?.reasons ?? [],
    candidates: match?.candidates.map((c) => ({ ...c, score: c.score.toFixed(2) })) ?? [],
    purchase: data.purchase
      ? { ...data.purchase, expires_on: expiresOn(data.purchase) ?? 'not activated yet' }
      : null,
    attachments: data.attachments.map((a) => ({ ...a, kb: Math.max(1, Math.round(a.size / 1024)) })),
    history: ticket.history.map((event) => ({ ...historyLine(event), at: when(event.created_at) })),
    emails: data.emails.map((e) => ({
      ...e,
      created: when(e.created_at),
      sent: when(e.sent_at),
      // The resend service's own list: "Send again" shows only where it would be accepted.
      resendable: (RESENDABLE as readonly string[]).includes(e.status),
    })),
    pendingApprovals: ticket.approvals
      .filter((a) => a.status === 'pending')
      .map((a) => ({ ...a, created: when(a.created_at) })),
    forms: formsView(offered, heldByOther, data.purchase?.price, kept),
    error: kept?.error,
  };
}

function dueView(ticket: Ticket) {
  const s = ticket.service_levels;
  const paused = s.paused_since ? new Date(s.paused_since) : null;
  // While the clock stands still, the time left is what it was when it stopped.
  const now = paused ? paused.getTime() : Date.now();
  const open = !s.closed_at && ticket.status !== 'resolved' && ticket.status !== 'rejected';
  const clock = (due: Date | null, done: Date | null, doneWord: string) => {
    if (done) return { text: `${doneWord} ${when(done)}`, overdue: false, at: when(due) };
    if (!due) return { text: 'not set', overdue: false, at: '' };
    const overdue = open && !paused && new Date(due).getTime() < now;
    return { text: dueText(due, now), overdue, at: when(due) };
  };
  return {
    firstResponse: clock(s.first_response_due_at, s.first_responded_at, 'answered'),
    resolution: clock(s.resolution_due_at, s.closed_at, 'closed'),
    pausedSince: paused ? when(paused) : null,
  };
}

function formsView(
  offered: readonly DecisionType[],
  heldByOther: boolean,
  price: string | undefined,
  kept: KeptForm | undefined,
) {
  const values = kept?.values ?? {};
  const keptFor = (type: DecisionType) => (values.type === type ? values : {});
  const suggestedReason = kept?.suggested?.type === 'reject' ? kept.suggested.reason : undefined;
  const rejectReason = keptFor('reject').reason ?? suggestedReason;
  return {
    any: offered.length > 0,
    // Someone else holds it: the forms give way to a "Take over to act" button.
    usable: offered.length > 0 && !heldByOther,
    reissue: offered.includes('reissue') ? { key: randomUUID(), to: keptFor('reissue').to } : null,
    refund: offered.includes('refund')
      ? { key: randomUUID(), amount: keptFor('refund').amount ?? price ?? '' }
      : null,
    requestInfo: offered.includes('request_info')
      ? { key: randomUUID(), message: keptFor('request_info').message }
      : null,
    reject: offered.includes('reject')
      ? {
          key: randomUUID(),
          message: keptFor('reject').message,
          reasons: REJECT_REASONS.map((reason) => ({
            reason,
            label: REJECT_REASON_TEXT[reason],
            selected: rejectReason === reason,
          })),
        }
      : null,
    note: values.type === 'note' ? values.text : undefined,
  };
}
