import type { Queryable } from '../db/db.ts';
import type { Claim } from './claim.ts';
import { PURCHASE_RECORD_COLUMNS, type PurchaseRecord } from './purchase-record.ts';

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
  created_at: Date;
}

export async function findRequestToMatch(db: Queryable, id: number): Promise<RequestToMatch | undefined> {
  const [row] = await db.query<RequestToMatch>(
    `SELECT id, status, email, name, license_number, license_key, order_number, channel, store, country,
            purchased_on, typed, mailbox, client_ip, client_network, created_at
       FROM recovery_requests WHERE id = $1`,
    [id],
  );
  return row;
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

/** The earliest still-open request filed before this one for the same licence. */
export async function findOpenRequestForLicense(
  db: Queryable,
  request: Pick<RequestToMatch, 'id' | 'license_number'>,
  purchaseId: number | null,
): Promise<{ id: number; reference: string } | undefined> {
  // Each condition by its own index, then the earliest: as one join ordered by id, the planner may
  // read every earlier request instead.
  const [row] = await db.query<{ id: number; reference: string }>(
    `SELECT id, reference FROM (
       SELECT r.id, r.reference, r.status FROM recovery_requests r WHERE r.license_number = $3 AND r.id < $1
       UNION
       SELECT r.id, r.reference, r.status FROM match_results m JOIN recovery_requests r ON r.id = m.request_id
        WHERE m.purchase_id = $2 AND r.id < $1) earlier
      WHERE status NOT IN ('resolved', 'rejected')
      ORDER BY id LIMIT 1`,
    [request.id, purchaseId, request.license_number],
  );
  return row;
}

/** Requests from the same mailbox, client address and network within the given windows, up to this one. */
export async function countRecentRequests(
  db: Queryable,
  r: Pick<RequestToMatch, 'id' | 'mailbox' | 'client_ip' | 'client_network'>,
  /** Counting stops here for each: the velocity rule only asks whether a count reached its limit. */
  upTo: { mailbox: number; address: number; network: number },
): Promise<{ mailbox: number; address: number; network: number }> {
  // Capped counts, each an index scan backwards from this request that stops at its limit: a busy
  // network (every customer behind one proxy) costs `upTo` rows, not all of them. Without the
  // upper bound and the order, the scan collected every row of the window first (3 ms at 20,000).
  // The request's own time is read in SQL: a JS Date would cut it to the millisecond.
  const recent = (column: string, window: string, limit: string) =>
    `(SELECT count(*)::int FROM (SELECT 1 FROM recovery_requests WHERE ${column}
        AND created_at > (SELECT at FROM me) - interval '${window}' AND created_at <= (SELECT at FROM me)
        AND id <= $1 ORDER BY created_at DESC LIMIT ${limit}) x)`;
  const [row] = await db.query<{ mailbox: number; address: number; network: number }>(
    `WITH me AS (SELECT created_at AS at FROM recovery_requests WHERE id = $1)
     SELECT ${recent('mailbox = $2', '7 days', '$5')} AS mailbox,
            ${recent('client_ip = $3', '1 day', '$6')} AS address,
            ${recent('client_network = $4', '1 day', '$7')} AS network`,
    [r.id, r.mailbox, r.client_ip, r.client_network, upTo.mailbox, upTo.address, upTo.network],
  );
  return row ?? { mailbox: 0, address: 0, network: 0 };
}

/** Whether an activation code for this purchase went out in the last 30 days. */
export async function codeSentRecently(db: Queryable, purchaseId: number, before: Date): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM request_events e JOIN match_results m ON m.request_id = e.request_id
      WHERE m.purchase_id = $1 AND e.type = 'code_sent'
        AND e.created_at > $2::timestamptz - interval '30 days' AND e.created_at <= $2::timestamptz
      LIMIT 1`,
    [purchaseId, before],
  );
  return rows.length > 0;
}
