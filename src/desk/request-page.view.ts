import { consoleTime, utcMinute } from '../time-text.ts';
import { randomUUID } from 'node:crypto';
import type { User } from '../auth/user.ts';
import { today } from '../decisions/decision-context.ts';
import {
  REJECT_REASONS,
  type Decision,
  type DecisionType,
  type RejectReason,
} from '../decisions/decisions.schema.ts';
import { decisionsOpenIn } from '../decisions/decisions.service.ts';
import type { DecisionEmailPreview } from '../decisions/decision-preview.ts';
import { licenceDecisionBreaks, type LicenceDecisionBreaks } from '../decisions/rules.ts';
import { RESENDABLE } from '../mail/resend.service.ts';
import type { MatchResult } from '../matching/match-result.ts';
import { expiresOn, type Verdict } from '../matching/verdict.ts';
import type { Present } from '../presence/presence.ts';
import type { Ticket } from '../tickets/tickets.service.ts';
import { customerHistoryView, RELATED_SHOWN } from './customer-history.ts';
import { dueText, flagView } from './queue-view.ts';
import { historyLine, REJECT_REASON_TEXT } from './request-page.history.ts';
import { satisfactionView } from './request-satisfaction.ts';
import type { RequestPageData } from './request-page.service.ts';
import {
  CHANNEL_WORDS,
  DESIRED_OUTCOME_WORDS,
  REASON_WORDS,
  STATUS_WORDS,
  VERDICT_WORDS,
  wordFor,
} from './words.ts';

/**
 * What was typed into a form, shown again: with the rule's message when it failed, with its email
 * when it was previewed, or with a macro's text put in ("Use").
 */
export interface KeptForm {
  error?: string;
  values?: Record<string, string | undefined>;
  /** The decision the broken rule points to instead: its reject reason is preselected. */
  suggested?: Decision;
  /** The email the form's decision would send (its values are the decision's). */
  preview?: DecisionEmailPreview;
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

export function requestPageView(data: RequestPageData, user: User, others: Present[], kept?: KeptForm) {
  const { ticket } = data;
  // Our own matcher wrote it, so its shape is MatchResult's.
  const match = ticket.match as MatchResult | null;
  const heldByOther = ticket.claim !== null && ticket.claim.by !== user.email;
  // decide() holds the rule (409 otherwise); this only spares the technician forms that cannot work.
  const offered = decisionsOpenIn(ticket.status);
  const breaks = licenceDecisionBreaks(data.purchase, match?.verdict ?? null, today());
  return {
    title: ticket.reference,
    reference: ticket.reference,
    status: ticket.status,
    statusLabel: wordFor(STATUS_WORDS, ticket.status),
    match: match
      ? { verdict: match.verdict, label: VERDICT_WORDS[match.verdict], score: match.score.toFixed(2) }
      : null,
    due: dueView(ticket),
    claim: ticket.claim
      ? { by: ticket.claim.by, at: consoleTime(ticket.claim.at), mine: !heldByOther }
      : null,
    heldByOther,
    // Who else has the page open, and whether the holder is typing into it right now.
    presence: others,
    holderTyping: heldByOther && others.some((o) => o.typing && o.email === ticket.claim?.by),
    closed: ticket.status === 'resolved' || ticket.status === 'rejected',
    authorityWait: data.authorityWait
      ? {
          since: consoleTime(data.authorityWait.since),
          attempts: data.authorityWait.attempts,
          lastError: data.authorityWait.lastError,
        }
      : null,
    request: {
      ...ticket.request,
      created_at: consoleTime(ticket.created_at),
      reasonLabel: wordFor(REASON_WORDS, ticket.request.reason),
      outcomeLabel: wordFor(DESIRED_OUTCOME_WORDS, ticket.request.desired_outcome),
    },
    duplicateOf: ticket.duplicate_of,
    fields: (match?.fields ?? []).map((f) => {
      const typed = ticket.typed[f.field] ?? f.claimed;
      // The channel is a choice, not typed text: both sides in words.
      const shown = (v: string | null | undefined) =>
        f.field === 'channel' && v ? wordFor(CHANNEL_WORDS, v) : v;
      return {
        ...f,
        label: FIELD_LABEL[f.field] ?? f.field,
        typed: shown(typed),
        recorded: shown(f.recorded),
      };
    }),
    flags: (match?.flags ?? []).map(flagView),
    reasons: match?.reasons ?? [],
    candidates: match?.candidates.map((c) => ({ ...c, score: c.score.toFixed(2) })) ?? [],
    purchase: data.purchase
      ? {
          ...data.purchase,
          expires_on: expiresOn(data.purchase) ?? 'not activated yet',
          channelLabel: wordFor(CHANNEL_WORDS, data.purchase.channel),
        }
      : null,
    attachments: data.attachments.map((a) => ({ ...a, kb: Math.max(1, Math.round(a.size / 1024)) })),
    related: customerHistoryView(data.related),
    relatedMore: data.related.length >= RELATED_SHOWN,
    followUps: data.followUps,
    satisfaction: satisfactionView(ticket.satisfaction),
    history: ticket.history.map((event) => ({
      ...historyLine(event),
      at: consoleTime(event.created_at),
      raw: rawMessageLink(ticket.reference, event.data),
    })),
    emails: data.emails.map((e) => ({
      ...e,
      created: consoleTime(e.created_at),
      sent: consoleTime(e.sent_at),
      // The resend service's own list: "Send again" shows only where it would be accepted.
      resendable: (RESENDABLE as readonly string[]).includes(e.status),
    })),
    pendingApprovals: ticket.approvals
      .filter((a) => a.status === 'pending')
      .map((a) => ({ ...a, created: consoleTime(a.created_at) })),
    forms: formsView(offered, heldByOther, data, breaks, match?.verdict ?? null, kept),
    error: kept?.error,
    // A decision refused because someone took the request over: say so, and keep what was typed.
    unsent: heldByOther && kept ? unsentText(kept) : undefined,
  };
}

/** An event that came by email links to the message as received (request-inbound.routes.ts). */
function rawMessageLink(reference: string, data: Record<string, unknown>): string | undefined {
  const id = data.inbound_id;
  return typeof id === 'number' ? `/desk/requests/${reference}/inbound/${id}` : undefined;
}

function dueView(ticket: Ticket) {
  const s = ticket.service_levels;
  const paused = s.paused_since ? new Date(s.paused_since) : null;
  // While the clock stands still, the time left is what it was when it stopped.
  const now = paused ? paused.getTime() : Date.now();
  const open = !s.closed_at && ticket.status !== 'resolved' && ticket.status !== 'rejected';
  const clock = (due: Date | null, done: Date | null, doneWord: string) => {
    if (done)
      return { text: `${doneWord} ${utcMinute(done)}`, overdue: false, at: due ? utcMinute(due) : '' };
    if (!due) return { text: 'not set', overdue: false, at: '' };
    const overdue = open && !paused && new Date(due).getTime() < now;
    return { text: dueText(due, now), overdue, at: utcMinute(due) };
  };
  return {
    firstResponse: clock(s.first_response_due_at, s.first_responded_at, 'answered'),
    resolution: clock(s.resolution_due_at, s.closed_at, 'closed'),
    pausedSince: paused ? consoleTime(paused) : null,
  };
}

/**
 * The safe next step, made the primary button: a strong match's code; else, when the code cannot go
 * out, the reject the rule suggests; else a question to the customer.
 */
type Primary = 'reissue' | 'request_info' | 'reject';

function primaryOf(
  offered: readonly DecisionType[],
  breaks: LicenceDecisionBreaks,
  verdict: Verdict | null,
): { primary: Primary; suggested: RejectReason | undefined } {
  const rejectOf = (d: Decision | undefined) => (d?.type === 'reject' ? d.reason : undefined);
  const instead = rejectOf(breaks.reissue?.suggested);
  const suggested = instead ?? rejectOf(breaks.refund?.suggested);
  if (!breaks.reissue && verdict === 'strong' && offered.includes('reissue'))
    return { primary: 'reissue', suggested };
  // The code cannot go out at all, and the rule names the reject that can: that is the way out.
  if (instead && offered.includes('reject')) return { primary: 'reject', suggested };
  return { primary: offered.includes('request_info') ? 'request_info' : 'reject', suggested };
}

function formsView(
  offered: readonly DecisionType[],
  heldByOther: boolean,
  data: Pick<RequestPageData, 'purchase' | 'macros'>,
  breaks: LicenceDecisionBreaks,
  verdict: Verdict | null,
  kept: KeptForm | undefined,
) {
  const { purchase } = data;
  const values = kept?.values ?? {};
  const keptFor = (type: DecisionType) => (values.type === type ? values : {});
  const previewFor = (type: DecisionType) => (values.type === type ? kept?.preview : undefined);
  // The form's macro picker (the one kept picked) and the email it was previewed with.
  const withMacros = (type: 'request_info' | 'reject') => ({
    macros: data.macros[type].map((m) => ({ ...m, selected: keptFor(type).macro === String(m.id) })),
    preview: previewFor(type),
  });
  const { primary, suggested } = primaryOf(offered, breaks, verdict);
  const keptSuggestion = kept?.suggested?.type === 'reject' ? kept.suggested.reason : undefined;
  const rejectReason = keptFor('reject').reason ?? keptSuggestion ?? suggested;
  // Only what the rules allow is offered; what they refuse is named with the rule's sentence.
  const refused = [
    offered.includes('reissue') && breaks.reissue ? `Reissue: ${breaks.reissue.message}` : null,
    offered.includes('refund') && breaks.refund && breaks.refund !== breaks.reissue
      ? `Refund: ${breaks.refund.message}`
      : null,
  ].filter((line): line is string => line !== null);
  return {
    any: offered.length > 0,
    // Someone else holds it: the forms give way to a "Take over to act" button.
    usable: offered.length > 0 && !heldByOther,
    refused,
    reissue:
      offered.includes('reissue') && !breaks.reissue
        ? { key: randomUUID(), to: keptFor('reissue').to, primary: primary === 'reissue' }
        : null,
    // Only the full price is accepted (rules.ts isFullPrice): it is shown, not typed.
    refund:
      offered.includes('refund') && !breaks.refund && purchase
        ? { key: randomUUID(), amount: purchase.price, currency: purchase.currency }
        : null,
    requestInfo: offered.includes('request_info')
      ? {
          key: randomUUID(),
          message: keptFor('request_info').message,
          primary: primary === 'request_info',
          ...withMacros('request_info'),
        }
      : null,
    reject: offered.includes('reject')
      ? {
          key: randomUUID(),
          message: keptFor('reject').message,
          primary: primary === 'reject',
          ...withMacros('reject'),
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

/** What a technician typed into a decision or note that was refused because someone else holds the request. */
function unsentText(kept: KeptForm): string | undefined {
  const v = kept.values ?? {};
  const text = v.type === 'note' ? v.text : v.message;
  return text?.trim() ? text : undefined;
}
