import { emitWebhook } from '../webhooks/webhook-events.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { queueEmailToRequester, type RequesterEmail } from '../requests/customer-email.ts';
import { ConflictError } from '../errors.ts';
import type { Config } from '../config.ts';
import { satisfactionLinks } from '../satisfaction/satisfaction-links.ts';
import { insertApproval, pendingApprovalsOnPurchase } from './approvals.repository.ts';
import { waitingProposalText } from './approval-kinds.ts';
import { sendCode } from './code-delivery.ts';
import { askForReplacement, hasLicenceAuthority } from './licence-authority.service.ts';
import {
  enforce,
  matchedPurchase,
  ticketLocale,
  today,
  type DecisionActor,
  type DecisionContext,
} from './decision-context.ts';
import type { DecisionOf, RejectReason, ReissueMode } from './decisions.schema.ts';
import { matchVerdict, type LockedPurchase } from './decisions.repository.ts';
import { refundBreaks, refundOnVerdictBreaks, reissueBreaks } from './rules.ts';
import { insertEvent } from '../history/history.repository.ts';
import { notify } from '../notifications/notifications.service.ts';
import { moveTicket, type LockedTicket } from '../requests/status.repository.ts';
import type { UsedMacro } from './macros.service.ts';

/** What of a request its decision's email needs. */
type DecisionTicket = Pick<LockedTicket, 'locale' | 'email' | 'name' | 'reference' | 'store' | 'channel'>;

/**
 * What came of a decision, in the desk's terms: the API says it as 200 or 202 with a body
 * (decisions.routes.ts), the console as a sentence. Saved as JSON with an Idempotency-Key, so a
 * kind or field renamed here needs a migration of `decision_keys.outcome` (see 0016).
 */
export type DecisionOutcome =
  /** The code went to the purchaser of record (`sentTo`, masked); the request is resolved. */
  | { kind: 'code_sent'; reference: string; mode: ReissueMode; sentTo: string; requesterNotified: boolean }
  /** A refund, or a code to another address, waits for a supervisor's approval. */
  | { kind: 'pending_approval'; reference: string; approvalId: number }
  /** The question went to the customer; the request waits on them. */
  | { kind: 'question_sent'; reference: string }
  /** Closed with this reason and its email. */
  | { kind: 'rejected'; reference: string; reason: RejectReason }
  /** A replacement code was asked of the licensing system; the request resolves when it answers. */
  | { kind: 'waiting_for_authority'; reference: string };

/** Reissue: the code to the purchaser's address of record; anywhere else waits for a supervisor. */
export async function reissue(ctx: DecisionContext, d: DecisionOf<'reissue'>): Promise<DecisionOutcome> {
  const purchase = await matchedPurchase(ctx);
  enforce(reissueBreaks(purchase, today()));
  if (d.to && normaliseMailbox(d.to) !== purchase.purchaser_mailbox)
    return proposeReissueElsewhere(ctx, purchase, d.mode, d.to);
  if (d.mode === 'replace' && hasLicenceAuthority(ctx)) {
    await askForReplacement(ctx, purchase, null);
    return { kind: 'waiting_for_authority', reference: ctx.ticket.reference };
  }
  return resendToPurchaser(ctx, purchase, d.mode);
}

/**
 * The code to the purchaser's address of record, and the request resolved: a technician's reissue,
 * and instant recovery's (instant-recovery.ts), once the rules allowed it.
 */
export async function resendToPurchaser(
  ctx: DecisionContext<DecisionActor>,
  purchase: LockedPurchase,
  mode: ReissueMode,
): Promise<DecisionOutcome> {
  const sent = await sendCode(ctx, purchase, mode, purchase.purchaser_email);
  await moveTicket(ctx.tx, ctx.ticket.id, 'resolved', true);
  return { kind: 'code_sent', reference: ctx.ticket.reference, mode, ...sent };
}

async function proposeReissueElsewhere(
  ctx: DecisionContext,
  purchase: LockedPurchase,
  mode: ReissueMode,
  to: string,
): Promise<DecisionOutcome> {
  const approvalId = await propose(ctx, purchase, {
    kind: 'reissue_elsewhere',
    reissue_mode: mode,
    to_address: to,
    amount: null,
    currency: null,
  });
  await insertEvent(ctx.tx, {
    requestId: ctx.ticket.id,
    actor: ctx.actor.email,
    type: 'reissue_proposed',
    data: { approval_id: approvalId, mode, to },
  });
  return pendingApproval(ctx, approvalId);
}

/** Refund: proposed here, bound to this purchase and amount, done when a supervisor approves. */
export async function proposeRefund(ctx: DecisionContext, d: DecisionOf<'refund'>): Promise<DecisionOutcome> {
  const purchase = await matchedPurchase(ctx);
  enforce(
    refundBreaks(purchase, d.amount) ?? refundOnVerdictBreaks(await matchVerdict(ctx.tx, ctx.ticket.id)),
  );
  const amount = Number(d.amount).toFixed(2);
  const approvalId = await propose(ctx, purchase, {
    kind: 'refund',
    amount,
    currency: purchase.currency,
    reissue_mode: null,
    to_address: null,
  });
  await insertEvent(ctx.tx, {
    requestId: ctx.ticket.id,
    actor: ctx.actor.email,
    type: 'refund_proposed',
    data: { approval_id: approvalId, amount, currency: purchase.currency },
  });
  return pendingApproval(ctx, approvalId);
}

async function propose(
  ctx: DecisionContext,
  purchase: LockedPurchase,
  what: Pick<
    Parameters<typeof insertApproval>[1],
    'kind' | 'amount' | 'currency' | 'reissue_mode' | 'to_address'
  >,
): Promise<number> {
  await refuseSecondProposal(ctx, purchase);
  const approvalId = await insertApproval(ctx.tx, {
    ...what,
    request_id: ctx.ticket.id,
    purchase_id: purchase.id,
    purchase_status: purchase.status,
    purchase_updated_at: purchase.updated_at,
    proposed_by: ctx.actor.id,
  });
  await emitWebhook(ctx.tx, 'approval.requested', { requestId: ctx.ticket.id, approvalId });
  // Not a response: the customer hears nothing until a supervisor approves (approve() marks it).
  await moveTicket(ctx.tx, ctx.ticket.id, 'pending_approval', false);
  await notify(ctx.tx, ctx.deps.config, {
    kind: 'approval_waiting',
    to: { role: 'supervisor' },
    actorId: ctx.actor.id,
    request: ctx.ticket,
    data: {
      approvalId,
      approvalKind: what.kind,
      proposedBy: ctx.actor.email,
      ...(what.amount !== null && what.currency !== null
        ? { amount: what.amount, currency: what.currency }
        : {}),
    },
    cause: `approval:${approvalId}`,
  });
  return approvalId;
}

/**
 * One proposal per licence at a time: a refund and a send elsewhere both pending on one licence
 * (from two requests) could each be approved by a supervisor who never sees the other. The
 * purchase row is locked (matchedPurchase), so two proposals at once queue here.
 */
async function refuseSecondProposal(ctx: DecisionContext, purchase: LockedPurchase): Promise<void> {
  const [waiting] = await pendingApprovalsOnPurchase(ctx.tx, purchase.id);
  if (waiting)
    throw new ConflictError(
      waitingProposalText(waiting, 'wait for a supervisor to decide it, or ask them to turn it down first'),
    );
}

function pendingApproval(ctx: DecisionContext, approvalId: number): DecisionOutcome {
  return { kind: 'pending_approval', reference: ctx.ticket.reference, approvalId };
}

/**
 * Request info: a question by email, with a fresh link to the status page (the first link's
 * token is stored hashed, so it cannot be sent again; both links keep working).
 */
export async function requestInfo(
  ctx: DecisionContext,
  d: DecisionOf<'request_info'>,
  macro?: UsedMacro,
): Promise<DecisionOutcome> {
  const { ticket, tx, deps } = ctx;
  await queueEmailToRequester(tx, deps, ticket, decisionEmail(deps.config, ticket, d));
  await insertEvent(tx, {
    requestId: ticket.id,
    actor: ctx.actor.email,
    type: 'info_requested',
    data: { message: d.message, ...(macro ? { macro } : {}) },
  });
  await moveTicket(tx, ticket.id, 'waiting_on_customer', true);
  return { kind: 'question_sent', reference: ticket.reference };
}

// The email each reason sends: two have one of their own; the others share request-rejected,
// which has a paragraph per reason.
const REJECT_TEMPLATES: Record<RejectReason, string> = {
  no_purchase_found: 'request-rejected',
  trial_license: 'request-rejected',
  license_expired: 'renewal-offer',
  bought_from_partner: 'ask-your-store',
  suspected_fraud: 'request-rejected',
  duplicate: 'request-rejected',
};

/** Reject: closed with a reason, and the email for that reason. */
export async function reject(
  ctx: DecisionContext,
  d: DecisionOf<'reject'>,
  macro?: UsedMacro,
): Promise<DecisionOutcome> {
  const { ticket, tx, deps } = ctx;
  const email = decisionEmail(deps.config, ticket, d);
  await queueEmailToRequester(tx, deps, ticket, email);
  await insertEvent(tx, {
    requestId: ticket.id,
    actor: ctx.actor.email,
    type: 'rejected',
    data: {
      reason: d.reason,
      ...(d.message ? { message: d.message } : {}),
      email: email.template,
      ...(macro ? { macro } : {}),
    },
  });
  await moveTicket(tx, ticket.id, 'rejected', true);
  return { kind: 'rejected', reference: ticket.reference, reason: d.reason };
}

/**
 * The email a question or a rejection sends to the requester (before queueEmailToRequester adds
 * the links): what the decision queues, and what its preview renders (decision-preview.ts).
 */
export function decisionEmail(
  config: Pick<Config, 'publicUrl' | 'secretKey'>,
  ticket: DecisionTicket,
  d: DecisionOf<'request_info'> | DecisionOf<'reject'>,
): RequesterEmail {
  const common = { locale: ticketLocale(ticket), to: ticket.email };
  const facts = { name: ticket.name, reference: ticket.reference, message: d.message };
  if (d.type === 'request_info') return { ...common, template: 'request-info', facts };
  return {
    ...common,
    template: REJECT_TEMPLATES[d.reason],
    facts: { ...facts, reason: d.reason, store: ticket.store, channel: ticket.channel },
    // A rejection closes the request: its email asks whether that helped (README "Satisfaction").
    secrets: satisfactionLinks(config, ticket.reference),
  };
}
