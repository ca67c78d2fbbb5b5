import type { Queryable } from '../db/db.ts';
import type { Verdict } from '../matching/verdict.ts';
import { PURCHASE_RECORD_COLUMNS, type PurchaseRecord } from '../purchases/purchase-record.ts';

export async function setClaim(tx: Queryable, requestId: number, userId: number | null): Promise<void> {
  await tx.query(
    `UPDATE recovery_requests SET claimed_by = $2, claimed_at = CASE WHEN $2::bigint IS NULL THEN NULL ELSE now() END,
            updated_at = now() WHERE id = $1`,
    [requestId, userId],
  );
}

/** The matcher's verdict on a request, or null before it ran: some rules read it (rules.ts). */
export async function matchVerdict(tx: Queryable, requestId: number): Promise<Verdict | null> {
  const [row] = await tx.query<{ verdict: Verdict }>(
    'SELECT verdict FROM match_results WHERE request_id = $1',
    [requestId],
  );
  return row?.verdict ?? null;
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
    /** Null when the desk itself acted. */
    revokedBy: number | null;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO activation_code_history (purchase_id, code_enc, code_hmac, reason, request_id, revoked_by)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [h.purchaseId, h.codeEnc, h.codeHmac, h.reason, h.requestId, h.revokedBy],
  );
}
