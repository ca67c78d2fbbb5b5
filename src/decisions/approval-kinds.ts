/**
 * What a supervisor approves (four eyes): a refund, or a code sent to an address other than the
 * purchaser's of record. The `approvals.kind` CHECK of migration 0007 lists the same words.
 */
export const APPROVAL_KINDS = ['refund', 'reissue_elsewhere'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

/** Each kind as a sentence names it ("a refund of this licence waits"). */
export const APPROVAL_KIND_TEXT: Record<ApprovalKind, string> = {
  refund: 'a refund',
  reissue_elsewhere: 'a code sent to another address',
};

/** "Approval #12 (a refund, for RD-7K2Q9XWM) already waits on this licence: <advice>." */
export function waitingProposalText(
  waiting: { id: number; kind: ApprovalKind; reference: string },
  advice: string,
): string {
  return `Approval #${waiting.id} (${APPROVAL_KIND_TEXT[waiting.kind]}, for ${waiting.reference}) already waits on this licence: ${advice}.`;
}
