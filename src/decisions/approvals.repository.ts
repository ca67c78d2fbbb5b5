import { emitWebhook } from '../webhooks/webhook-events.ts';
import type { Queryable } from '../db/db.ts';
import type { ApprovalKind } from './approval-kinds.ts';
import type { ReissueMode } from './decisions.schema.ts';
import type { DecisionOutcome } from './outcomes.ts';

export interface ApprovalRow {
  id: number;
  request_id: number;
  kind: ApprovalKind;
  purchase_id: number;
  amount: string | null;
  currency: string | null;
  reissue_mode: ReissueMode | null;
  to_address: string | null;
  purchase_status: string;
  purchase_updated_at: Date;
  proposed_by: number;
  status: 'pending' | 'approved' | 'rejected';
}

export async function insertApproval(tx: Queryable, a: Omit<ApprovalRow, 'id' | 'status'>): Promise<number> {
  const [row] = await tx.query<{ id: number }>(
    `INSERT INTO approvals (request_id, kind, purchase_id, amount, currency, reissue_mode, to_address,
                            purchase_status, purchase_updated_at, proposed_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      a.request_id,
      a.kind,
      a.purchase_id,
      a.amount,
      a.currency,
      a.reissue_mode,
      a.to_address,
      a.purchase_status,
      a.purchase_updated_at,
      a.proposed_by,
    ],
  );
  return row!.id;
}

export async function lockApproval(tx: Queryable, id: number): Promise<ApprovalRow | undefined> {
  const [row] = await tx.query<ApprovalRow>(
    `SELECT id, request_id, kind, purchase_id, amount::text AS amount, currency, reissue_mode, to_address,
            purchase_status, purchase_updated_at, proposed_by, status
       FROM approvals WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return row;
}

export async function finishApproval(
  tx: Queryable,
  id: number,
  outcome: {
    status: 'approved' | 'rejected';
    decidedBy: number;
    /** The credential the decision came with (credentialRecord). */
    decidedWith: { kind: 'session' | 'token'; id: string };
    note: string | null;
  },
): Promise<void> {
  await tx.query(
    `UPDATE approvals SET status = $2, decided_by = $3, decided_at = now(), note = $4,
                          decided_with_kind = $5, decided_with = $6
      WHERE id = $1`,
    [id, outcome.status, outcome.decidedBy, outcome.note, outcome.decidedWith.kind, outcome.decidedWith.id],
  );
  await emitWebhook(tx, 'approval.decided', { approvalId: id, decision: outcome.status });
}

export interface PendingApprovalRow {
  id: number;
  reference: string;
  kind: ApprovalKind;
  amount: string | null;
  currency: string | null;
  reissue_mode: ReissueMode | null;
  to_address: string | null;
  proposed_by: string;
  created_at: Date;
}

/** Pending approvals bound to a purchase, oldest first, but `exceptId`: proposals that would conflict. */
export async function pendingApprovalsOnPurchase(
  tx: Queryable,
  purchaseId: number,
  exceptId = 0,
): Promise<{ id: number; kind: ApprovalKind; reference: string }[]> {
  return tx.query(
    `SELECT a.id, a.kind, r.reference FROM approvals a JOIN recovery_requests r ON r.id = a.request_id
      WHERE a.purchase_id = $1 AND a.status = 'pending' AND a.id <> $2 ORDER BY a.id`,
    [purchaseId, exceptId],
  );
}

/** Pending approvals, oldest first: what a supervisor's list shows. */
export async function listPendingApprovals(db: Queryable, limit = 200): Promise<PendingApprovalRow[]> {
  return db.query<PendingApprovalRow>(
    `SELECT a.id, r.reference, a.kind, a.amount::text AS amount, a.currency, a.reissue_mode, a.to_address,
            u.email AS proposed_by, a.created_at
       FROM approvals a JOIN recovery_requests r ON r.id = a.request_id JOIN users u ON u.id = a.proposed_by
      WHERE a.status = 'pending' ORDER BY a.created_at, a.id LIMIT $1`,
    [limit],
  );
}

/**
 * Takes an Idempotency-Key for this user. Returns null when it is new (the caller acts and saves
 * its outcome); otherwise the key's first use. A concurrent first use holds the row until its
 * transaction ends, so the INSERT here waits and then sees the saved outcome.
 */
export async function takeDecisionKey(
  tx: Queryable,
  userId: number,
  key: string,
  fingerprint: string,
): Promise<{ fingerprint: string; outcome: DecisionOutcome } | null> {
  const inserted = await tx.query(
    `INSERT INTO decision_keys (user_id, key, fingerprint) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, key) DO NOTHING RETURNING key`,
    [userId, key, fingerprint],
  );
  if (inserted.length > 0) return null;
  // Only a committed first use is seen here, and it always saved its outcome (migration 0016).
  const [row] = await tx.query<{ fingerprint: string; outcome: DecisionOutcome }>(
    'SELECT fingerprint, outcome FROM decision_keys WHERE user_id = $1 AND key = $2',
    [userId, key],
  );
  return row ?? null;
}

export async function saveDecisionKey(
  tx: Queryable,
  userId: number,
  key: string,
  outcome: DecisionOutcome,
): Promise<void> {
  await tx.query('UPDATE decision_keys SET outcome = $3 WHERE user_id = $1 AND key = $2', [
    userId,
    key,
    JSON.stringify(outcome),
  ]);
}
