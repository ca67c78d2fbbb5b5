import type { Queryable } from '../db/db.ts';
import type { Claim } from './claim.ts';
import { PURCHASE_RECORD_COLUMNS, type PurchaseRecord } from '../purchases/purchase-record.ts';

/** The request as the matcher needs it. */
export interface RequestToMatch {
  id: number;
  status: string;
  email: string;
  name: string;
  license_number: string | null;
  license_key: string | null;
  order_number: string | null;
  channel: string;
  store: string;
  country: string;
  purchased_on: string;
  typed: Record<string, string>;
  mailbox: string | null;
  client_ip: string | null;
  client_network: string | null;
}

/** Requests from the same mailbox (7 days), client address and network (1 day), up to this one. */
export interface RecentRequests {
  mailbox: number;
  address: number;
  network: number;
}

/**
 * The request, with how many requests came from its mailbox, address and network before it,
 * counting each up to its limit in `upTo` (the velocity rule only asks whether a count reached
 * it): one statement.
 */
export async function findRequestToMatch(
  db: Queryable,
  id: number,
  upTo: RecentRequests,
): Promise<(RequestToMatch & { recent: RecentRequests }) | undefined> {
  // Each count is an index scan backwards from this request that stops at its limit: a busy
  // network (every customer behind one proxy) costs `upTo` rows, not all of them. Without the
  // upper bound and the order, the scan collected every row of the window first (3 ms at 20,000).
  const recent = (column: string, window: string, limit: string) =>
    `(SELECT count(*)::int FROM (SELECT 1 FROM recovery_requests o WHERE o.${column} = me.${column}
        AND o.created_at > me.created_at - interval '${window}' AND o.created_at <= me.created_at
        AND o.id <= me.id ORDER BY o.created_at DESC LIMIT ${limit}) x)`;
  const [row] = await db.query<
    RequestToMatch & { mailbox_count: number; address_count: number; network_count: number }
  >(
    `SELECT me.id, me.status, me.email, me.name, me.license_number, me.license_key, me.order_number,
            me.channel, me.store, me.country, me.purchased_on, me.typed, me.mailbox, me.client_ip,
            me.client_network,
            ${recent('mailbox', '7 days', '$2')} AS mailbox_count,
            ${recent('client_ip', '1 day', '$3')} AS address_count,
            ${recent('client_network', '1 day', '$4')} AS network_count
       FROM recovery_requests me WHERE me.id = $1`,
    [id, upTo.mailbox, upTo.address, upTo.network],
  );
  if (!row) return undefined;
  const { mailbox_count, address_count, network_count, ...request } = row;
  return { ...request, recent: { mailbox: mailbox_count, address: address_count, network: network_count } };
}

const MAX_CANDIDATES = 100;
const HEX = `replace(%s, '-', '')`;
const head = (column: string) => `left(${HEX.replace('%s', column)}, 6)`;
const tail = (column: string) => `right(${HEX.replace('%s', column)}, 6)`;

/**
 * Purchases the claim could be about: the same licence number or key, one a few characters
 * off (the first or last six characters intact), the same order number, or the same mailbox.
 * Each condition has its index (migration 0002).
 */
export async function findCandidates(db: Queryable, claim: Claim): Promise<PurchaseRecord[]> {
  const hexes = [claim.licenseNumber?.hex, claim.licenseKey?.hex].filter(
    (h): h is string => !!h && h.length >= 12,
  );
  const heads = hexes.map((h) => h.slice(0, 6));
  const tails = hexes.map((h) => h.slice(-6));
  // The conditions are looked up first (one bitmap of index scans), then ordered: written as one
  // SELECT … ORDER BY id LIMIT, the planner may walk the whole table in id order instead (3.7 s
  // against a million purchases, measured by the bench, where this takes 5 ms).
  return db.query<PurchaseRecord>(
    `WITH candidates AS MATERIALIZED (
       SELECT ${PURCHASE_RECORD_COLUMNS} FROM purchases
        WHERE license_number = $1 OR license_key = $2
           OR ${head('license_number')} = ANY($3::text[]) OR ${tail('license_number')} = ANY($4::text[])
           OR ${head('license_key')} = ANY($3::text[]) OR ${tail('license_key')} = ANY($4::text[])
           OR order_key = $5 OR purchaser_mailbox = $6)
     SELECT * FROM candidates ORDER BY id LIMIT ${MAX_CANDIDATES}`,
    [
      claim.licenseNumber?.canonical ?? null,
      claim.licenseKey?.canonical ?? null,
      heads,
      tails,
      claim.orderKey,
      claim.mailbox,
    ],
  );
}

/**
 * Stores a match in one statement (one round trip, atomic by itself): the result, replacing an
 * earlier one; the request's duplicate link; and, when the request was still `received`, its move
 * to `triage` with a `matched` event. The two updates of the request exclude each other, so
 * the row is updated once; a concurrent run that moved the request first leaves no second event.
 */
export async function saveMatch(
  db: Queryable,
  m: {
    requestId: number;
    purchaseId: number | null;
    verdict: string;
    score: number;
    result: unknown;
    duplicateOf: number | null;
    event: Record<string, unknown>;
  },
): Promise<void> {
  await db.query(
    `WITH saved AS (
       INSERT INTO match_results (request_id, purchase_id, verdict, score, result)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (request_id) DO UPDATE
         SET purchase_id = EXCLUDED.purchase_id, verdict = EXCLUDED.verdict, score = EXCLUDED.score,
             result = EXCLUDED.result, matched_at = now()),
     moved AS (
       UPDATE recovery_requests SET status = 'triage', updated_at = now(), duplicate_of = $6
        WHERE id = $1 AND status = 'received' RETURNING id),
     linked AS (
       UPDATE recovery_requests SET duplicate_of = $6 WHERE id = $1 AND status <> 'received')
     INSERT INTO request_events (request_id, actor, type, data)
     SELECT id, 'matcher', 'matched', $7::jsonb FROM moved`,
    [
      m.requestId,
      m.purchaseId,
      m.verdict,
      m.score,
      JSON.stringify(m.result),
      m.duplicateOf,
      JSON.stringify(m.event),
    ],
  );
}

/**
 * What came before this request for the same licence or purchase: the earliest still-open
 * request filed before it, and whether an activation code for the purchase went out in the 30
 * days before it. One statement.
 */
export async function findEarlierWork(
  db: Queryable,
  request: Pick<RequestToMatch, 'id' | 'license_number'>,
  purchaseId: number | null,
): Promise<{ duplicate?: { id: number; reference: string }; codeSentRecently: boolean }> {
  // Each condition by its own index, then the earliest: as one join ordered by id, the planner may
  // read every earlier request instead.
  const [row] = await db.query<{ dup_id: number | null; dup_reference: string | null; sent: boolean }>(
    `WITH me AS (SELECT created_at FROM recovery_requests WHERE id = $1),
     earlier AS (
       SELECT id, reference FROM (
         SELECT r.id, r.reference, r.status FROM recovery_requests r WHERE r.license_number = $3 AND r.id < $1
         UNION
         SELECT r.id, r.reference, r.status FROM match_results m JOIN recovery_requests r ON r.id = m.request_id
          WHERE m.purchase_id = $2 AND r.id < $1) e
        WHERE status NOT IN ('resolved', 'rejected')
        ORDER BY id LIMIT 1)
     SELECT (SELECT id FROM earlier) AS dup_id, (SELECT reference FROM earlier) AS dup_reference,
            EXISTS (SELECT 1 FROM request_events e JOIN match_results m ON m.request_id = e.request_id
                     WHERE $2::bigint IS NOT NULL AND m.purchase_id = $2 AND e.type = 'code_sent'
                       AND e.created_at > (SELECT created_at FROM me) - interval '30 days'
                       AND e.created_at <= (SELECT created_at FROM me)) AS sent`,
    [request.id, purchaseId, request.license_number],
  );
  return {
    duplicate: row?.dup_id ? { id: row.dup_id, reference: row.dup_reference! } : undefined,
    codeSentRecently: row?.sent ?? false,
  };
}

/** One purchase by its licence number, as the matcher sees it (never the code). */
export async function findPurchaseRecord(
  db: Queryable,
  licenseNumber: string,
): Promise<PurchaseRecord | undefined> {
  const [row] = await db.query<PurchaseRecord>(
    `SELECT ${PURCHASE_RECORD_COLUMNS} FROM purchases WHERE license_number = $1`,
    [licenseNumber],
  );
  return row;
}

/** When the matcher last stored a result, as text (one index lookup). */
export async function findLatestMatchAt(db: Queryable): Promise<string | null> {
  const [row] = await db.query<{ at: string | null }>(
    'SELECT max(matched_at)::text AS at FROM match_results',
  );
  return row?.at ?? null;
}
