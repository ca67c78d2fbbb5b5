/**
 * What a supervisor approves (four eyes): a refund, or a code sent to an address other than the
 * purchaser's of record. The `approvals.kind` CHECK of migration 0007 lists the same words.
 */
export const APPROVAL_KINDS = ['refund', 'reissue_elsewhere'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
