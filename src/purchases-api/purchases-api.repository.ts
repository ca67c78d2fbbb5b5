import type { Queryable } from '../db/db.ts';

/**
 * Requests in triage whose match found no purchase (`none`) and which name one of these licence
 * numbers: filed before their sale reached the desk. (Recovery requests store the licence number
 * in its canonical form, as purchases do.)
 */
export async function unmatchedRequestsNaming(
  tx: Queryable,
  licenseNumbers: readonly string[],
): Promise<number[]> {
  if (!licenseNumbers.length) return [];
  const rows = await tx.query<{ id: number }>(
    `SELECT r.id::int AS id FROM recovery_requests r JOIN match_results m ON m.request_id = r.id
      WHERE r.license_number = ANY($1::text[]) AND r.status = 'triage' AND m.verdict = 'none'
      ORDER BY r.id`,
    [licenseNumbers],
  );
  return rows.map((row) => row.id);
}
