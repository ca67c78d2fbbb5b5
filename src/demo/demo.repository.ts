import type { Queryable } from '../db/db.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';

/** A demo request counts as filed when a request from its address with its words exists. */
export async function alreadyFiled(db: Queryable, request: Record<string, unknown>): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM recovery_requests
      WHERE mailbox = $3 AND lower(email) = lower($1) AND details IS NOT DISTINCT FROM $2 LIMIT 1`,
    [String(request.email).trim(), request.details ?? null, normaliseMailbox(String(request.email))],
  );
  return rows.length > 0;
}
