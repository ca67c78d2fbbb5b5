import type { Queryable } from '../db/db.ts';
import { insertOutboxJobsFrom } from '../outbox/outbox.repository.ts';
import type { PurchaseRecord } from '../purchases/purchase-record.ts';

export interface NewCodeLookup {
  email: string;
  mailbox: string;
  locale: string;
  clientIp: string | null;
}

/** Stores a lookup and its `code-lookup` job in one statement (atomic by itself). */
export async function insertCodeLookup(tx: Queryable, lookup: NewCodeLookup): Promise<number> {
  const params: unknown[] = [lookup.email, lookup.mailbox, lookup.locale, lookup.clientIp];
  const job = insertOutboxJobsFrom([{ job: 'code-lookup', from: 'l' }], params);
  const [row] = await tx.query<{ id: number }>(
    `WITH l AS (
       INSERT INTO code_lookups (email, mailbox, locale, client_ip) VALUES ($1, $2, $3, $4) RETURNING id),
     o AS (${job})
     SELECT id FROM l`,
    params,
  );
  return Number(row!.id);
}

export interface LockedLookup {
  id: number;
  email: string | null;
  mailbox: string | null;
  locale: string;
  status: 'received' | 'done';
}

/** The lookup, locked until the transaction ends, so two runs of its job act once. */
export async function lockCodeLookup(tx: Queryable, id: number): Promise<LockedLookup | undefined> {
  const [row] = await tx.query<LockedLookup>(
    'SELECT id, email, mailbox, locale, status FROM code_lookups WHERE id = $1 FOR UPDATE',
    [id],
  );
  return row;
}

/** A purchase as a lookup lists it (the code still encrypted). */
export type LookupPurchase = Pick<
  PurchaseRecord,
  | 'id'
  | 'license_number'
  | 'product_name'
  | 'license_type'
  | 'status'
  | 'first_activated_at'
  | 'term_days'
  | 'channel'
  | 'store'
  | 'purchaser_mailbox'
> & { activation_code_enc: string };

/**
 * The purchases of exactly this mailbox, newest first, at most `limit`, with how many there are in
 * all. Shared locks: a code being replaced or a refund being approved finishes first, so the email
 * never carries a code the licence no longer has.
 */
export async function findPurchasesOfMailbox(
  tx: Queryable,
  mailbox: string,
  limit: number,
): Promise<{ purchases: LookupPurchase[]; total: number }> {
  const purchases = await tx.query<LookupPurchase>(
    `SELECT id, license_number, product_name, license_type, status,
            first_activated_at, term_days, channel, store,
            purchaser_mailbox, activation_code_enc
       FROM purchases WHERE purchaser_mailbox = $1
      ORDER BY purchased_at DESC, id DESC LIMIT $2 FOR SHARE`,
    [mailbox, limit],
  );
  if (purchases.length < limit) return { purchases, total: purchases.length };
  const [count] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM purchases WHERE purchaser_mailbox = $1',
    [mailbox],
  );
  return { purchases, total: count?.n ?? purchases.length };
}

/** Records the licences whose code the lookup's email carried (what repeat_recovery counts). */
export async function insertLookupCodes(
  tx: Queryable,
  lookupId: number,
  purchaseIds: number[],
): Promise<void> {
  if (purchaseIds.length === 0) return;
  await tx.query(
    `INSERT INTO code_lookup_codes (lookup_id, purchase_id)
     SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
    [lookupId, purchaseIds],
  );
}

/**
 * Marks the lookup done with what it found. A lookup that found nothing forgets the address: it
 * was typed by someone, and no purchase of ours makes it our business to keep it.
 */
export async function finishCodeLookup(
  tx: Queryable,
  id: number,
  found: { licences: number; emailId: number | null },
): Promise<void> {
  await tx.query(
    `UPDATE code_lookups
        SET status = 'done', done_at = now(), licences = $2, email_id = $3,
            email = CASE WHEN $2 = 0 THEN NULL ELSE email END,
            mailbox = CASE WHEN $2 = 0 THEN NULL ELSE mailbox END
      WHERE id = $1`,
    [id, found.licences, found.emailId],
  );
}
