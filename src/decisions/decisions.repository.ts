import type { Queryable } from '../db/db.ts';
import { PURCHASE_RECORD_COLUMNS, type PurchaseRecord } from '../matching/purchase-record.ts';

/** A request as a decision sees it, locked for the rest of the transaction. */
export interface LockedTicket {
  id: number;
  reference: string;
  status: string;
  email: string;
  name: string;
  locale: string;
  store: string;
  claimed_by: number | null;
  claimed_by_email: string | null;
  claimed_at: Date | null;
  /** The purchase the matcher settled on, if any. */
  purchase_id: number | null;
}

// FOR UPDATE OF r: two decisions on one request queue here, and the second sees the first's status.
const LOCK_TICKET = `SELECT r.id, r.reference, r.status, r.email, r.name, r.locale, r.store, r.claimed_by,
       u.email AS claimed_by_email, r.claimed_at, m.purchase_id
  FROM recovery_requests r
  LEFT JOIN users u ON u.id = r.claimed_by
  LEFT JOIN match_results m ON m.request_id = r.id`;

export async function lockTicket(tx: Queryable, reference: string): Promise<LockedTicket | undefined> {
  const [row] = await tx.query<LockedTicket>(`${LOCK_TICKET} WHERE r.reference = $1 FOR UPDATE OF r`, [
    reference,
  ]);
  return row;
}

export async function lockTicketById(tx: Queryable, id: number): Promise<LockedTicket | undefined> {
  const [row] = await tx.query<LockedTicket>(`${LOCK_TICKET} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
  return row;
}

export async function setClaim(tx: Queryable, requestId: number, userId: number | null): Promise<void> {
  await tx.query(
    `UPDATE recovery_requests SET claimed_by = $2, claimed_at = CASE WHEN $2::bigint IS NULL THEN NULL ELSE now() END,
            updated_at = now() WHERE id = $1`,
    [requestId, userId],
  );
}

/**
 * Moves a request to a new status and keeps its service-level clock: waiting on the customer
 * pauses it; leaving that state pushes both due times back by the pause; a closed request stops it.
 * `responded` marks the first response (a decision or a question to the customer).
 */
export async function moveTicket(
  tx: Queryable,
  requestId: number,
  status: 'triage' | 'waiting_on_customer' | 'pending_approval' | 'resolved' | 'rejected',
  responded: boolean,
): Promise<void> {
  await tx.query(
    `UPDATE recovery_requests
        SET first_response_due_at = first_response_due_at + coalesce(now() - paused_since, interval '0'),
            resolution_due_at = resolution_due_at + coalesce(now() - paused_since, interval '0'),
            paused_seconds = paused_seconds + coalesce(extract(epoch FROM now() - paused_since)::int, 0),
            paused_since = CASE WHEN $2::text = 'waiting_on_customer' THEN now() ELSE NULL END,
            first_responded_at = CASE WHEN $3::boolean THEN coalesce(first_responded_at, now()) ELSE first_responded_at END,
            closed_at = CASE WHEN $2::text IN ('resolved', 'rejected') THEN now() ELSE NULL END,
            status = $2::text, updated_at = now()
      WHERE id = $1`,
    [requestId, status, responded],
  );
}

/** A purchase with its encrypted code, locked: a refund and a reissue of one licence never interleave. */
export interface LockedPurchase extends PurchaseRecord {
  activation_code_enc: string;
  activation_code_hmac: string | null;
  updated_at: Date;
}

export async function lockPurchase(tx: Queryable, id: number): Promise<LockedPurchase | undefined> {
  const [row] = await tx.query<LockedPurchase>(
    `SELECT ${PURCHASE_RECORD_COLUMNS}, activation_code_enc, activation_code_hmac, updated_at
       FROM purchases WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return row;
}

/** Whether any licence has, or once had, a code with one of these fingerprints (one a configured key). */
export async function codeFingerprintTaken(tx: Queryable, hmacs: string[]): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM purchases WHERE activation_code_hmac = ANY($1::text[])
     UNION ALL SELECT 1 FROM activation_code_history WHERE code_hmac = ANY($1::text[]) LIMIT 1`,
    [hmacs],
  );
  return rows.length > 0;
}

export async function setPurchaseCode(
  tx: Queryable,
  purchaseId: number,
  code: { enc: string; hmac: string },
): Promise<void> {
  await tx.query(
    `UPDATE purchases SET activation_code_enc = $2, activation_code_hmac = $3, updated_at = now() WHERE id = $1`,
    [purchaseId, code.enc, code.hmac],
  );
}

export async function markPurchaseRefunded(tx: Queryable, purchaseId: number): Promise<void> {
  await tx.query(`UPDATE purchases SET status = 'refunded', updated_at = now() WHERE id = $1`, [purchaseId]);
}

export async function insertCodeHistory(
  tx: Queryable,
  h: {
    purchaseId: number;
    codeEnc: string;
    codeHmac: string | null;
    reason: 'replaced' | 'refunded';
    requestId: number;
    revokedBy: number;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO activation_code_history (purchase_id, code_enc, code_hmac, reason, request_id, revoked_by)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [h.purchaseId, h.codeEnc, h.codeHmac, h.reason, h.requestId, h.revokedBy],
  );
}

export async function insertStatusToken(tx: Queryable, requestId: number, tokenHash: string): Promise<void> {
  await tx.query('INSERT INTO request_status_tokens (request_id, token_hash) VALUES ($1, $2)', [
    requestId,
    tokenHash,
  ]);
}

/** The latest question a technician asked the customer, for the status page. */
export async function latestQuestion(db: Queryable, requestId: number): Promise<string | null> {
  const [row] = await db.query<{ message: string }>(
    `SELECT data->>'message' AS message FROM request_events
      WHERE request_id = $1 AND type = 'info_requested' ORDER BY id DESC LIMIT 1`,
    [requestId],
  );
  return row?.message ?? null;
}
