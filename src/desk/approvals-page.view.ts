import type { User } from '../auth/user.ts';
import type { ApprovalKind } from '../decisions/approval-kinds.ts';
import type { PendingApprovalRow } from '../decisions/approvals.repository.ts';
import type { ApprovalPurchaseRow } from './approvals-page.repository.ts';
import { FLAG_TEXT } from './queue-view.ts';
import { when } from './request-page.view.ts';

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
      purchase: byApproval.get(a.id),
      match: matchOf(byApproval.get(a.id)),
      created: when(a.created_at),
      own: a.proposed_by === user.email,
    })),
  };
}

/** The request's verdict and its flags in words, as the request page gives them. */
function matchOf(purchase: ApprovalPurchaseRow | undefined) {
  if (!purchase?.verdict) return undefined;
  const flags = (purchase.flags ?? []).map((flag) => ({ flag, text: FLAG_TEXT[flag] ?? flag }));
  return { verdict: purchase.verdict, flags };
}
