import type { Queryable } from '../db/db.ts';

/**
 * The purchase each pending approval is bound to, and what the matcher said of the request, for
 * the supervisor to see what they approve: a send elsewhere on a `conflict` (a stolen receipt,
 * say) must not look like any other.
 */
export interface ApprovalPurchaseRow {
  approval_id: number;
  purchase_id: number;
  license_number: string;
  product_name: string;
  channel: string;
  store: string;
  purchaser_email: string;
  status: string;
  price: string;
  currency: string;
  verdict: string | null;
  flags: string[] | null;
}

export async function listPendingApprovalPurchases(db: Queryable): Promise<ApprovalPurchaseRow[]> {
  return db.query<ApprovalPurchaseRow>(
    `SELECT a.id AS approval_id, a.purchase_id, p.license_number, p.product_name, p.channel, p.store, p.purchaser_email,
            p.status, p.price::text AS price, p.currency, m.verdict, m.result -> 'flags' AS flags
       FROM approvals a JOIN purchases p ON p.id = a.purchase_id
       LEFT JOIN match_results m ON m.request_id = a.request_id
      WHERE a.status = 'pending'`,
  );
}
