import type { Queryable } from '../db/db.ts';
import { insertOutboxJobsFrom } from '../outbox/outbox.repository.ts';
import type { AuthorityCallKind } from './licence-authority.ts';

export interface NewAuthorityCall {
  kind: AuthorityCallKind;
  requestId: number;
  purchaseId: number;
  approvalId: number | null;
  decidedBy: number | null;
  /** Unset for a replacement: the customer's reason for asking (lost, removed, expired_early). */
  reason?: string;
}

/** The call and its `licence-authority` outbox job, in one statement of the caller's transaction. */
export async function insertAuthorityCall(tx: Queryable, call: NewAuthorityCall): Promise<number> {
  const params: unknown[] = [
    call.kind,
    call.requestId,
    call.purchaseId,
    call.approvalId,
    call.decidedBy,
    call.reason ?? null,
  ];
  const [row] = await tx.query<{ id: number }>(
    `WITH call AS (
       INSERT INTO authority_calls (kind, request_id, purchase_id, approval_id, decided_by, reason)
       VALUES ($1, $2, $3, $4, $5,
               coalesce($6::text, (SELECT reason FROM recovery_requests WHERE id = $2)))
       RETURNING id
     ), job AS (
       ${insertOutboxJobsFrom([{ job: 'licence-authority', from: 'call' }], params)}
     )
     SELECT id FROM call`,
    params,
  );
  return Number(row!.id);
}

export interface AuthorityCallRow {
  id: number;
  kind: AuthorityCallKind;
  status: 'pending' | 'done' | 'refused';
  idempotency_key: string;
  request_id: number;
  request_reference: string;
  purchase_id: number;
  license_number: string;
  approval_id: number | null;
  decided_by: number | null;
  decided_by_email: string | null;
  decided_by_role: string | null;
  reason: string;
}

/** The call with what its body names (the licence number and the request's reference). */
export async function findAuthorityCall(
  db: Queryable,
  id: number,
  lock = false,
): Promise<AuthorityCallRow | undefined> {
  const [row] = await db.query<AuthorityCallRow>(
    `SELECT c.id::int AS id, c.kind, c.status, c.idempotency_key, c.request_id::int AS request_id,
            r.reference AS request_reference, c.purchase_id::int AS purchase_id, p.license_number,
            c.approval_id::int AS approval_id, c.decided_by::int AS decided_by, u.email AS decided_by_email, u.role AS decided_by_role, c.reason
       FROM authority_calls c
       LEFT JOIN users u ON u.id = c.decided_by
       JOIN recovery_requests r ON r.id = c.request_id
       JOIN purchases p ON p.id = c.purchase_id
      WHERE c.id = $1${lock ? ' FOR UPDATE OF c' : ''}`,
    [id],
  );
  return row;
}

/** A failed try, for staff to see while the job retries. */
export async function recordAuthorityTry(db: Queryable, id: number, error: string): Promise<void> {
  await db.query(
    `UPDATE authority_calls SET attempts = attempts + 1, last_error = $2 WHERE id = $1 AND status = 'pending'`,
    [id, error],
  );
}

export async function finishAuthorityCall(
  tx: Queryable,
  id: number,
  status: 'done' | 'refused',
  error: string | null = null,
): Promise<void> {
  await tx.query(
    `UPDATE authority_calls SET status = $2, finished_at = now(), attempts = attempts + 1,
            last_error = coalesce($3, last_error) WHERE id = $1`,
    [id, status, error],
  );
}

export interface WaitingReplacement {
  since: Date;
  attempts: number;
  lastError: string | null;
}

/** The replacement a request waits for, if it waits for one (the request page says so). */
export async function waitingReplacementOf(
  db: Queryable,
  reference: string,
): Promise<WaitingReplacement | undefined> {
  const [row] = await db.query<WaitingReplacement>(
    `SELECT c.created_at AS since, c.attempts, c.last_error AS "lastError"
       FROM authority_calls c JOIN recovery_requests r ON r.id = c.request_id
      WHERE r.reference = $1 AND c.kind = 'replacement' AND c.status = 'pending'`,
    [reference],
  );
  return row;
}
