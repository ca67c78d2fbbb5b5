import type { Queryable } from '../db/db.ts';
import { REQUEST_STATUSES } from '../requests/request-status.ts';
import {
  afterSql,
  CLOCK,
  NEXT_DUE,
  orderSql,
  sortKeysSql,
  type QueueKey,
  type QueueSort,
  type SortOrder,
} from './queue-sorts.ts';

export const OUTCOME_VERDICTS = ['strong', 'partial', 'none', 'conflict'] as const;
const CLOSED = `r.status IN ('resolved', 'rejected')`;
// Overdue: the clock running and past the deadline that applies (a missed first response included).
const OVERDUE = `(${CLOCK} = 0 AND ${NEXT_DUE} < now())`;

/** One way a search may match a request; a search matches when any of its terms does. */
export type SearchTerm =
  | { reference: string }
  | { mailbox: string }
  | { licenseNumber: string }
  | { licenseKey: string }
  | { orderKey: string }
  /** The name's words, each a prefix, in any order (migration 0019's queue_name_query). */
  | { nameWords: string };

/** What a queue page is filtered by, already read from the technician's words. */
export interface QueueFilter {
  statuses: readonly string[] | 'all';
  verdict?: string;
  flag?: string;
  owner?: { id: number } | 'none';
  overdue: boolean;
  search?: readonly SearchTerm[];
}

export interface QueueRow {
  id: number;
  reference: string;
  status: string;
  name: string;
  email: string;
  license_number: string | null;
  order_number: string | null;
  desired_outcome: string;
  created_at: Date;
  /** When anything last happened to the request (migration 0019 keeps it moving). */
  updated_at: Date;
  first_response_due_at: Date;
  resolution_due_at: Date;
  /** The deadline that applies next (the first response while unanswered, then the resolution); null once closed. */
  due_at: Date | null;
  /** Whether the clock stands still: the request waits on the customer. */
  paused: boolean;
  /** The row's keys in the page's sort, as text to the microsecond: the keyset cursor. */
  sort_keys: string[];
  overdue: boolean;
  verdict: string | null;
  score: number | null;
  flags: string[] | null;
  owner: string | null;
  /** Resolved by instant recovery (the actor `auto` sent its code): the queue marks it `auto`. */
  resolved_automatically: boolean;
}

function searchSql(term: SearchTerm, param: (value: unknown) => string): string {
  if ('reference' in term) return `r.reference = ${param(term.reference)}`;
  if ('mailbox' in term) return `r.mailbox = ${param(term.mailbox)}`;
  if ('licenseNumber' in term) return `r.license_number = ${param(term.licenseNumber)}`;
  if ('licenseKey' in term) return `r.license_key = ${param(term.licenseKey)}`;
  if ('orderKey' in term)
    return `upper(regexp_replace(r.order_number, '[\\s#-]+', '', 'g')) = ${param(term.orderKey)}`;
  return `r.name_words @@ queue_name_query(${param(term.nameWords)})`;
}

function conditions(filter: QueueFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filter.statuses !== 'all') where.push(`r.status = ANY(${param(filter.statuses)}::text[])`);
  if (filter.verdict === 'unmatched') where.push('r.verdict IS NULL');
  else if (filter.verdict) where.push(`r.verdict = ${param(filter.verdict)}`);
  if (filter.flag)
    where.push(
      `EXISTS (SELECT 1 FROM match_results f WHERE f.request_id = r.id AND f.result -> 'flags' ? ${param(filter.flag)})`,
    );
  if (filter.owner === 'none') where.push('r.claimed_by IS NULL');
  else if (filter.owner) where.push(`r.claimed_by = ${param(filter.owner.id)}`);
  if (filter.overdue) where.push(OVERDUE);
  return where;
}

/** A search matches when any of its terms does; a search that can mean nothing matches nothing. */
function searchCondition(search: readonly SearchTerm[], params: unknown[]): string {
  const param = (value: unknown) => `$${params.push(value)}`;
  return search.length ? `(${search.map((t) => searchSql(t, param)).join(' OR ')})` : 'false';
}

const whereOf = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '');

/** One page of the queue in the given sort, after the cursor's row. */
export async function listQueue(
  db: Queryable,
  filter: QueueFilter,
  page: { sort: QueueSort; order: SortOrder; after?: QueueKey; limit: number },
): Promise<QueueRow[]> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  // A search is found first, through its own indexes, and then sorted: left to itself the planner
  // may walk the sort's index testing each request against the search, expecting to meet enough
  // matches soon, and read all 100,000 to find the one a reference names (600 ms).
  const found = filter.search
    ? `WITH found AS MATERIALIZED (SELECT * FROM recovery_requests r WHERE ${searchCondition(filter.search, params)})`
    : '';
  const where = conditions(filter, params);
  if (page.after) where.push(afterSql(page.after, param));
  const order = orderSql(page.sort, page.order);
  // The page is chosen first and its match results and owners joined after, for its rows only.
  return db.query<QueueRow>(
    `${found}
     SELECT r.id, r.reference, r.status, r.name, r.email, r.license_number, r.order_number, r.desired_outcome,
            r.created_at, r.updated_at, r.first_response_due_at, r.resolution_due_at,
            CASE WHEN ${CLOSED} THEN NULL ELSE ${NEXT_DUE} END AS due_at,
            r.status = 'waiting_on_customer' AS paused, ${sortKeysSql(page.sort)} AS sort_keys,
            ${OVERDUE} AS overdue, r.verdict, m.score::float8 AS score, m.result -> 'flags' AS flags,
            u.email AS owner,
            r.status = 'resolved' AND EXISTS (SELECT 1 FROM request_events a WHERE a.request_id = r.id
              AND a.type = 'code_sent' AND a.actor = 'auto') AS resolved_automatically
       FROM (SELECT r.* FROM ${found ? 'found' : 'recovery_requests'} r ${whereOf(where)}
              ORDER BY ${order} LIMIT ${param(page.limit)}) r
       LEFT JOIN match_results m ON m.request_id = r.id
       LEFT JOIN users u ON u.id = r.claimed_by
      ORDER BY ${order}`,
    params,
  );
}

/**
 * How many requests the filters find, counting no further than `cap` (a count past it answers
 * `cap`): counting every one of 100,000 open requests would take longer than the page itself.
 */
export async function countQueue(db: Queryable, filter: QueueFilter, cap: number): Promise<number> {
  const params: unknown[] = [];
  const where = conditions(filter, params);
  if (filter.search) where.push(searchCondition(filter.search, params));
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM recovery_requests r ${whereOf(where)} LIMIT $${params.push(cap)}) found`,
    params,
  );
  return row?.n ?? 0;
}

/** How many requests are in each status, and how many open ones are overdue. */
export async function countByStatus(
  db: Queryable,
): Promise<{ byStatus: Record<string, number>; overdue: number }> {
  const rows = await db.query<{ status: string; n: number; overdue: number }>(
    `SELECT r.status, count(*)::int AS n, count(*) FILTER (WHERE ${OVERDUE})::int AS overdue
       FROM recovery_requests r GROUP BY r.status`,
  );
  const byStatus = Object.fromEntries(REQUEST_STATUSES.map((s) => [s, 0]));
  for (const row of rows) byStatus[row.status] = row.n;
  return { byStatus, overdue: rows.reduce((sum, row) => sum + row.overdue, 0) };
}

export async function findUserIdByEmail(db: Queryable, email: string): Promise<number | undefined> {
  const [row] = await db.query<{ id: number }>('SELECT id FROM users WHERE lower(email) = lower($1)', [
    email,
  ]);
  return row?.id;
}
