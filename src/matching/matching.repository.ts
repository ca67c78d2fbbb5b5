import type { Queryable } from '../db/db.ts';
import type { Claim } from './claim.ts';
import { PURCHASE_RECORD_COLUMNS, type PurchaseRecord } from '../purchases/purchase-record.ts';

/** The request as the matcher needs it. */
export interface RequestToMatch {
  id: number;
  reference: string;
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
  /** recover_code or refund: instant recovery acts only on the first. */
  desired_outcome: string;
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
 * The requests, each with how many requests came from its mailbox, address and network before
 * it, counting each up to its limit in `upTo` (the velocity rule only asks whether a count
 * reached it): one statement for the whole batch. A request that does not exist is absent.
 */
export async function findRequestsToMatch(
  db: Queryable,
  ids: number[],
  upTo: RecentRequests,
): Promise<Map<number, RequestToMatch & { recent: RecentRequests }>> {
  if (ids.length === 0) return new Map();
  // Each count is an index scan backwards from this request that stops at its limit: a busy
  // network (every customer behind one proxy) costs `upTo` rows, not all of them. Without the
  // upper bound and the order, the scan collected every row of the window first (3 ms at 20,000).
  const recent = (column: string, window: string, limit: string) =>
    `(SELECT count(*)::int FROM (SELECT 1 FROM recovery_requests o WHERE o.${column} = me.${column}
        AND o.created_at > me.created_at - interval '${window}' AND o.created_at <= me.created_at
        AND o.id <= me.id ORDER BY o.created_at DESC LIMIT ${limit}) x)`;
  const rows = await db.query<
    RequestToMatch & { mailbox_count: number; address_count: number; network_count: number }
  >(
    `SELECT me.id, me.reference, me.status, me.email, me.name, me.license_number, me.license_key,
            me.order_number, me.channel, me.store, me.country, me.purchased_on, me.desired_outcome, me.typed, me.mailbox,
            me.client_ip, me.client_network,
            ${recent('mailbox', '7 days', '$2')} AS mailbox_count,
            ${recent('client_ip', '1 day', '$3')} AS address_count,
            ${recent('client_network', '1 day', '$4')} AS network_count
       FROM recovery_requests me WHERE me.id = ANY($1::bigint[])`,
    [ids, upTo.mailbox, upTo.address, upTo.network],
  );
  return new Map(
    rows.map(({ mailbox_count, address_count, network_count, ...request }) => [
      request.id,
      { ...request, recent: { mailbox: mailbox_count, address: address_count, network: network_count } },
    ]),
  );
}

const MAX_CANDIDATES = 100;
const HEX = `replace(%s, '-', '')`;
const head = (column: string) => `left(${HEX.replace('%s', column)}, 6)`;
const tail = (column: string) => `right(${HEX.replace('%s', column)}, 6)`;
const ANY_OF = (list: string) => `ANY(string_to_array(${list}, ','))`;

/**
 * For each claim, the purchases it could be about: the same licence number or key, one a few
 * characters off (the first or last six characters intact), the same order number, or the same
 * mailbox. Each condition has its index (migration 0002). One statement for the whole batch; the
 * answer's lists are in the order of `claims`.
 */
export async function findCandidatesOf(db: Queryable, claims: Claim[]): Promise<PurchaseRecord[][]> {
  if (claims.length === 0) return [];
  const ends = claims.map((claim) => {
    const hexes = [claim.licenseNumber?.hex, claim.licenseKey?.hex].filter(
      (h): h is string => !!h && h.length >= 12,
    );
    return {
      heads: hexes.map((h) => h.slice(0, 6)).join(','),
      tails: hexes.map((h) => h.slice(-6)).join(','),
    };
  });
  // The conditions are looked up first (one bitmap of index scans, kept apart by OFFSET 0), then
  // ordered: written as one SELECT … ORDER BY id LIMIT, the planner may walk the whole table in id
  // order instead (3.7 s against a million purchases, measured by the bench, where this takes 5 ms).
  const rows = await db.query<PurchaseRecord & { claim_index: number }>(
    `SELECT q.claim_index, c.*
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
            WITH ORDINALITY AS q(license_number, license_key, heads, tails, order_key, mailbox, claim_index)
      CROSS JOIN LATERAL (
        SELECT * FROM (
          SELECT ${PURCHASE_RECORD_COLUMNS} FROM purchases
           WHERE license_number = q.license_number OR license_key = q.license_key
              OR ${head('license_number')} = ${ANY_OF('q.heads')} OR ${tail('license_number')} = ${ANY_OF('q.tails')}
              OR ${head('license_key')} = ${ANY_OF('q.heads')} OR ${tail('license_key')} = ${ANY_OF('q.tails')}
              OR order_key = q.order_key OR purchaser_mailbox = q.mailbox
          OFFSET 0) found
         ORDER BY id LIMIT ${MAX_CANDIDATES}) c
      ORDER BY q.claim_index, c.id`,
    [
      claims.map((c) => c.licenseNumber?.canonical ?? null),
      claims.map((c) => c.licenseKey?.canonical ?? null),
      ends.map((e) => e.heads),
      ends.map((e) => e.tails),
      claims.map((c) => c.orderKey),
      claims.map((c) => c.mailbox),
    ],
  );
  const lists: PurchaseRecord[][] = claims.map(() => []);
  for (const { claim_index, ...purchase } of rows) lists[claim_index - 1]!.push(purchase);
  return lists;
}

/** What came before one request: the earliest still-open request, and a code sent recently. */
export interface EarlierWork {
  duplicate?: { id: number; reference: string };
  codeSentRecently: boolean;
}

/**
 * For each request, what came before it for the same licence or purchase: the earliest
 * still-open request filed before it, and whether an activation code for the purchase went out in
 * the 30 days before it (a request's `code_sent` event, or a code lookup's email). One statement for the whole batch, answered by request id. Requests of
 * `batch` are left out of the purchase's earlier matches: their matches are being replaced now,
 * so the caller adds them from what it decided (`matchRequests`).
 */
export async function findEarlierWorkOf(
  db: Queryable,
  asks: { id: number; licenseNumber: string | null; purchaseId: number | null }[],
  batch: number[],
): Promise<Map<number, EarlierWork>> {
  if (asks.length === 0) return new Map();
  // Each condition by its own index, then the earliest: as one join ordered by id, the planner may
  // read every earlier request instead.
  const rows = await db.query<{
    id: number;
    dup_id: number | null;
    dup_reference: string | null;
    sent: boolean;
  }>(
    `SELECT q.id, dup.id AS dup_id, dup.reference AS dup_reference,
            (EXISTS (SELECT 1 FROM request_events e JOIN match_results m ON m.request_id = e.request_id
                     WHERE q.purchase_id IS NOT NULL AND m.purchase_id = q.purchase_id
                       AND e.type = 'code_sent' AND e.created_at > me.created_at - interval '30 days'
                       AND e.created_at <= me.created_at)
             -- a code a customer's "Email me my codes" sent counts as well (src/lookups)
             OR EXISTS (SELECT 1 FROM code_lookup_codes c
                         WHERE c.purchase_id = q.purchase_id AND c.sent_at > me.created_at - interval '30 days'
                           AND c.sent_at <= me.created_at)) AS sent
       FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS q(id, purchase_id, license_number)
       JOIN recovery_requests me ON me.id = q.id
       LEFT JOIN LATERAL (
         SELECT id, reference FROM (
           SELECT r.id, r.reference, r.status FROM recovery_requests r
            WHERE r.license_number = q.license_number AND r.id < q.id
           UNION
           SELECT r.id, r.reference, r.status FROM match_results m JOIN recovery_requests r ON r.id = m.request_id
            WHERE m.purchase_id = q.purchase_id AND r.id < q.id AND r.id <> ALL($4::bigint[])) e
          WHERE status NOT IN ('resolved', 'rejected')
          ORDER BY id LIMIT 1) dup ON true`,
    [asks.map((a) => a.id), asks.map((a) => a.purchaseId), asks.map((a) => a.licenseNumber), batch],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        duplicate: row.dup_id ? { id: row.dup_id, reference: row.dup_reference! } : undefined,
        codeSentRecently: row.sent,
      },
    ]),
  );
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
