import { emitWebhook } from '../webhooks/webhook-events.ts';
import { credentialRecord } from '../auth/credential.ts';
import { hasRole, requireDeskWorker } from '../auth/roles.ts';
import type { AuthenticatedUser, User } from '../auth/user.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { queueEmail } from '../mail/mail.service.ts';
import { satisfactionLinks } from '../satisfaction/satisfaction-links.ts';
import { waitingProposalText, type ApprovalKind } from './approval-kinds.ts';
import {
  finishApproval,
  listPendingApprovals,
  lockApproval,
  pendingApprovalsOnPurchase,
  type ApprovalRow,
  type PendingApprovalRow,
} from './approvals.repository.ts';
import { sendCode } from './code-delivery.ts';
import {
  decisionContext,
  enforce,
  ticketLocale,
  today,
  type DecisionContext,
  type DecisionDeps,
} from './decision-context.ts';
import {
  insertCodeHistory,
  lockPurchase,
  markPurchaseRefunded,
  type LockedPurchase,
} from './decisions.repository.ts';
import { askForReplacement, hasLicenceAuthority, reportRefund } from './licence-authority.service.ts';
import { reissueBreaks } from './rules.ts';
import { insertEvent } from '../history/history.repository.ts';
import { notify } from '../notifications/notifications.service.ts';
import { lockTicketById, moveTicket } from '../requests/status.repository.ts';
import { formUrl } from '../requests/customer-email.ts';

export interface ApprovalOutcome {
  approval_id: number;
  status: 'approved' | 'rejected';
  reference: string;
  request_status: string;
}

/**
 * A supervisor approves what a colleague proposed (README, Security: four eyes means two people).
 * Refused (403) for the proposer, and for a credential the proposer created. The approval is
 * bound to the purchase as it was when proposed: if the record changed since (status, price, or
 * any update), or the request now points at another purchase, it answers 409 and changes nothing.
 */
export async function approve(
  deps: DecisionDeps,
  actor: AuthenticatedUser,
  approvalId: number,
): Promise<ApprovalOutcome> {
  if (!hasRole(actor, 'supervisor')) throw new ForbiddenError('Only a supervisor may approve.');
  const outcome = await deps.db.transaction(async (tx) => {
    const approval = await pendingApprovalFor(tx, actor, approvalId);
    const ticket = await lockTicketById(tx, approval.request_id);
    const purchase = await lockPurchase(tx, approval.purchase_id);
    if (!ticket || !purchase) throw new NotFoundError('The request or purchase of this approval is gone.');
    if (changedSince(approval, purchase) || ticket.purchase_id !== purchase.id)
      throw new ConflictError(
        'The purchase record changed since this was proposed: reject this approval and propose again.',
      );
    await refuseConflictingApproval(tx, approval);
    const carried = await carryOut(decisionContext(tx, deps, actor, ticket), approval, purchase);
    await finishApproval(tx, approval.id, {
      status: 'approved',
      decidedBy: actor.id,
      decidedWith: credentialRecord(actor.credential),
      note: null,
    });
    // A replacement asked of the licensing system leaves the request waiting for it.
    if (carried === 'done') await moveTicket(tx, ticket.id, 'resolved', true);
    await notifyProposer(tx, deps, 'proposal_approved', approval, ticket, actor);
    return {
      approval_id: approval.id,
      status: 'approved' as const,
      reference: ticket.reference,
      request_status: carried === 'done' ? 'resolved' : 'pending_approval',
    };
  });
  deps.relay.wake();
  return outcome;
}

/** Turns a proposal down: the request goes back to triage. A supervisor, or the proposer withdrawing it. */
export async function rejectApproval(
  deps: DecisionDeps,
  actor: AuthenticatedUser,
  approvalId: number,
  note?: string,
): Promise<ApprovalOutcome> {
  const outcome = await deps.db.transaction(async (tx) => {
    const approval = await lockApproval(tx, approvalId);
    if (!approval) throw new NotFoundError('No approval has this id.');
    if (!hasRole(actor, 'supervisor') && approval.proposed_by !== actor.id)
      throw new ForbiddenError('Only a supervisor, or its proposer, may turn a proposal down.');
    if (approval.status !== 'pending')
      throw new ConflictError(`This approval is already ${approval.status}.`);
    const ticket = await lockTicketById(tx, approval.request_id);
    if (!ticket) throw new NotFoundError('The request of this approval is gone.');
    await finishApproval(tx, approval.id, {
      status: 'rejected',
      decidedBy: actor.id,
      decidedWith: credentialRecord(actor.credential),
      note: note ?? null,
    });
    await insertEvent(tx, {
      requestId: ticket.id,
      actor: actor.email,
      type: 'approval_rejected',
      data: { approval_id: approval.id, kind: approval.kind, ...(note ? { note } : {}) },
    });
    await moveTicket(tx, ticket.id, 'triage', false);
    // A proposer withdrawing their own proposal is not told of it (notify never tells the actor).
    await notifyProposer(tx, deps, 'proposal_turned_down', approval, ticket, actor);
    return {
      approval_id: approval.id,
      status: 'rejected' as const,
      reference: ticket.reference,
      request_status: 'triage',
    };
  });
  deps.relay.wake(); // the proposer's notification email, if they chose one
  return outcome;
}

/** The proposer hears what became of their proposal, once per approval (`cause`). */
function notifyProposer(
  tx: DecisionContext['tx'],
  deps: DecisionDeps,
  kind: 'proposal_approved' | 'proposal_turned_down',
  approval: ApprovalRow,
  ticket: { id: number; reference: string },
  actor: User,
): Promise<number> {
  return notify(tx, deps.config, {
    kind,
    to: { userIds: [approval.proposed_by] },
    actorId: actor.id,
    request: ticket,
    data: { approvalId: approval.id, approvalKind: approval.kind, by: actor.email },
    cause: `approval:${approval.id}`,
  });
}

export function pendingApprovals(deps: Pick<DecisionDeps, 'db'>, actor: User): Promise<PendingApprovalRow[]> {
  requireDeskWorker(actor);
  return listPendingApprovals(deps.db);
}

async function pendingApprovalFor(
  tx: DecisionContext['tx'],
  actor: AuthenticatedUser,
  approvalId: number,
): Promise<ApprovalRow> {
  const approval = await lockApproval(tx, approvalId);
  if (!approval) throw new NotFoundError('No approval has this id.');
  if (approval.proposed_by === actor.id)
    throw new ForbiddenError('You proposed this: another supervisor must approve it.');
  refuseCredentialOfProposer(actor, approval.proposed_by);
  if (approval.status !== 'pending') throw new ConflictError(`This approval is already ${approval.status}.`);
  return approval;
}

/**
 * A token the proposer created speaks for the proposer, whoever it names; a token whose creator
 * was never recorded (made before migration 0014, when admins made tokens for others) might be
 * one. Sessions are always their user's own: only their password starts one.
 */
function refuseCredentialOfProposer(actor: AuthenticatedUser, proposerId: number): void {
  const credential = actor.credential;
  if (credential.kind !== 'token') return;
  if (credential.createdBy === proposerId)
    throw new ForbiddenError(
      'This API token was created by the person who proposed this: another supervisor must approve it with a credential of their own.',
    );
  if (credential.createdBy === null)
    throw new ForbiddenError(
      'This API token was made before the desk recorded who creates tokens, so it cannot approve. Create a token of your own under My tokens.',
    );
}

/**
 * Two proposals pending on one licence (left from before proposals were refused while another
 * waits, see outcomes.ts) conflict: neither is approved until a supervisor turns one down.
 */
async function refuseConflictingApproval(tx: DecisionContext['tx'], approval: ApprovalRow): Promise<void> {
  const [other] = await pendingApprovalsOnPurchase(tx, approval.purchase_id, approval.id);
  if (other)
    throw new ConflictError(
      waitingProposalText(other, 'the two conflict, so turn one of them down before approving the other'),
    );
}

/**
 * What the approval proposed, done now: the refund, or the code sent to the other address; or
 * `waiting` when its new code is asked of the licensing system (README "Licence authority").
 */
async function carryOut(
  ctx: DecisionContext,
  approval: ApprovalRow,
  purchase: LockedPurchase,
): Promise<'done' | 'waiting'> {
  switch (approval.kind) {
    case 'refund':
      await refund(ctx, approval, purchase);
      return 'done';
    case 'reissue_elsewhere':
      // The licence may have expired or been revoked since it was proposed.
      enforce(reissueBreaks(purchase, today()));
      if (approval.reissue_mode === 'replace' && hasLicenceAuthority(ctx)) {
        await askForReplacement(ctx, purchase, approval.id);
        return 'waiting';
      }
      await sendCode(ctx, purchase, approval.reissue_mode ?? 'resend', approval.to_address!, approval.id);
      return 'done';
    default: {
      const unknown: never = approval.kind;
      throw new Error(`no way to carry out an approval of kind ${String(unknown)}`);
    }
  }
}

// Approvals bound to the purchase's price as well as its record: a refund is of that amount.
const BOUND_TO_PRICE: Record<ApprovalKind, boolean> = { refund: true, reissue_elsewhere: false };

function changedSince(approval: ApprovalRow, purchase: LockedPurchase): boolean {
  return (
    purchase.status !== approval.purchase_status ||
    purchase.updated_at.getTime() !== approval.purchase_updated_at.getTime() ||
    (BOUND_TO_PRICE[approval.kind] && Number(purchase.price).toFixed(2) !== approval.amount)
  );
}

/** The refund itself: the purchase marked refunded, its code revoked (kept encrypted in the history), the email. */
async function refund(ctx: DecisionContext, approval: ApprovalRow, purchase: LockedPurchase): Promise<void> {
  const { tx, ticket, actor, deps } = ctx;
  await markPurchaseRefunded(tx, purchase.id);
  await emitWebhook(tx, 'purchase.refunded', {
    requestId: ticket.id,
    licenseNumber: purchase.license_number,
  });
  await insertCodeHistory(tx, {
    purchaseId: purchase.id,
    codeEnc: purchase.activation_code_enc,
    codeHmac: purchase.activation_code_hmac,
    reason: 'refunded',
    requestId: ticket.id,
    revokedBy: actor.id,
  });
  // To the purchaser of record: the money goes back to whoever paid.
  await queueEmail(tx, deps.config, {
    requestId: ticket.id,
    template: 'refund-approved',
    locale: ticketLocale(ticket),
    to: purchase.purchaser_email,
    facts: {
      name: purchase.purchaser_name,
      reference: ticket.reference,
      amount: approval.amount,
      currency: approval.currency,
      product: purchase.product_name,
      licenseNumber: purchase.license_number,
      formUrl: formUrl(deps.config.publicUrl, ticketLocale(ticket)),
    },
    secrets: satisfactionLinks(deps.config, ticket.reference),
  });
  await insertEvent(tx, {
    requestId: ticket.id,
    actor: actor.email,
    type: 'refund_approved',
    data: { approval_id: approval.id, amount: approval.amount, currency: approval.currency },
  });
  await reportRefund(ctx, purchase.id, approval.id);
}
