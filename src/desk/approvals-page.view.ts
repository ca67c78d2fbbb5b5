import type { User } from '../auth/user.ts';
import { APPROVAL_KIND_TEXT, type ApprovalKind } from '../decisions/approval-kinds.ts';
import type { PendingApprovalRow } from '../decisions/approvals.repository.ts';
import type { ApprovalPurchaseRow } from './approvals-page.repository.ts';
import { flagView } from './queue-view.ts';
import { CHANNEL_WORDS, VERDICT_WORDS, wordFor } from './words.ts';
import { consoleTime } from '../time-text.ts';

/** What each kind of approval proposes, as the list says it. */
const PROPOSAL_TEXT: Record<ApprovalKind, (a: PendingApprovalRow) => string> = {
  refund: (a) => `Refund of ${a.amount ?? ''} ${a.currency ?? ''}`,
  reissue_elsewhere: (a) => `Send the code (${a.reissue_mode ?? 'resend'}) to ${a.to_address ?? ''}`,
};

/** The approvals list as the page prints it; one's own proposals wait for someone else. */
export function approvalsView(approvals: PendingApprovalRow[], purchases: ApprovalPurchaseRow[], user: User) {
  const byApproval = new Map(purchases.map((p) => [p.approval_id, p]));
  return {
    approvals: approvals.map((a) => ({
      ...a,
      what: PROPOSAL_TEXT[a.kind](a),
      purchase: purchaseOf(byApproval.get(a.id)),
      match: matchOf(byApproval.get(a.id)),
      conflicts: conflictsOf(a, approvals, byApproval),
      created: consoleTime(a.created_at),
      own: a.proposed_by === user.email,
    })),
  };
}

/** The request's verdict and its flags in words, as the request page gives them. */
function matchOf(purchase: ApprovalPurchaseRow | undefined) {
  if (!purchase?.verdict) return undefined;
  const flags = (purchase.flags ?? []).map(flagView);
  return { verdict: purchase.verdict, label: wordFor(VERDICT_WORDS, purchase.verdict), flags };
}

function purchaseOf(purchase: ApprovalPurchaseRow | undefined) {
  if (!purchase) return undefined;
  return { ...purchase, channelLabel: wordFor(CHANNEL_WORDS, purchase.channel) };
}

/**
 * Other pending approvals on the same licence: approving both would, say, send a code and refund
 * it. The desk refuses such an approval (approvals.service.ts); the list says why beforehand.
 */
function conflictsOf(
  approval: PendingApprovalRow,
  approvals: PendingApprovalRow[],
  byApproval: Map<number, ApprovalPurchaseRow>,
) {
  const purchaseId = byApproval.get(approval.id)?.purchase_id;
  if (purchaseId === undefined) return [];
  return approvals
    .filter((other) => other.id !== approval.id && byApproval.get(other.id)?.purchase_id === purchaseId)
    .map((other) => ({ id: other.id, reference: other.reference, kind: APPROVAL_KIND_TEXT[other.kind] }));
}
