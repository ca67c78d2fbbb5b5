import type { Queryable } from '../db/db.ts';
import { REQUEST_STATUSES } from '../requests/request-status.ts';

export const OUTCOME_VERDICTS = ['strong', 'partial', 'none', 'conflict'] as const;
const CLOSED = `r.status IN ('resolved', 'rejected')`;
/**
 * The queue's order is (clock, next due, id). `clock`: 0 while the service-level clock runs, 1 while
 * it stands still (waiting on the customer), 2 once closed. `next due`: the deadline that applies
 * next, the first response while unanswered (or the resolution, if that comes sooner), then the
 * resolution. Both expressions are spelled exactly as in migration 0015's indexes, which serve the
 * keyset pages.
 */
const CLOCK = `(CASE WHEN r.status IN ('resolved', 'rejected') THEN 2 WHEN r.status = 'waiting_on_customer' THEN 1 ELSE 0 END)`;
const NEXT_DUE = `(CASE WHEN r.first_responded_at IS NULL THEN LEAST(r.first_response_due_at, r.resolution_due_at) ELSE r.resolution_due_at END)`;
// Overdue: the clock running and past the deadline that applies (a missed first response included).
const OVERDUE = `(${CLOCK} = 0 AND ${NEXT_DUE} < now())`;

/** What a queue page is filtered by, already read from the technician's words. */
export interface QueueFilter {
  statuses: readonly string[] | 'all';
  verdict?: string;
  flag?: string;
  owner?: { id: number } | 'none';
  overdue: boolean;
  search?:
    | { reference: string }
    | { mailbox: string }
    | { licenseNumber: string }
    | { licenseKey: string }
    | { orderKey: string };
  after?: QueueKey;
  limit: number;
}

/** Where a keyset page starts: after this row of the queue's order. */
export interface QueueKey {
  clock: number;
  due: string;
  id: number;
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
  first_response_due_at: Date;
  resolution_due_at: Date;
  /** The deadline that applies next (the first response while unanswered, then the resolution); null once closed. */
  due_at: Date | null;
  /** Whether the clock stands still: the request waits on the customer. */
  paused: boolean;
  /** The order's clock rank and due time (as text, to the microsecond): the keyset cursor. */
  clock_key: number;
  due_key: string;
  overdue: boolean;
  verdict: string | null;
  score: number | null;
  flags: string[] | null;
  owner: string | null;
}

function conditions(filter: QueueFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filter.statuses !== 'all') where.push(`r.status = ANY(${param(filter.statuses)}::text[])`);
  if (filter.verdict === 'unmatched') where.push('m.request_id IS NULL');
  else if (filter.verdict) where.push(`m.verdict = ${param(filter.verdict)}`);
  if (filter.flag) where.push(`m.result -> 'flags' ? ${param(filter.flag)}`);
  if (filter.owner === 'none') where.push('r.claimed_by IS NULL');
  else if (filter.owner) where.push(`r.claimed_by = ${param(filter.owner.id)}`);
  if (filter.overdue) where.push(OVERDUE);
  const s = filter.search;
  if (s && 'reference' in s) where.push(`r.reference = ${param(s.reference)}`);
  if (s && 'mailbox' in s) where.push(`r.mailbox = ${param(s.mailbox)}`);
  if (s && 'licenseNumber' in s) where.push(`r.license_number = ${param(s.licenseNumber)}`);
  if (s && 'licenseKey' in s) where.push(`r.license_key = ${param(s.licenseKey)}`);
  if (s && 'orderKey' in s)
    where.push(`upper(regexp_replace(r.order_number, '[\\s#-]+', '', 'g')) = ${param(s.orderKey)}`);
  return where;
}

/** One page of the queue, what is due first, after the cursor's row. */
export async function listQueue(db: Queryable, filter: QueueFilter): Promise<QueueRow[]> {
  const params: unknown[] = [];
  const where = conditions(filter, params);
  if (filter.after) {
    where.push(
      `(${CLOCK}, ${NEXT_DUE}, r.id) > ($${params.push(filter.after.clock)}::int, $${params.push(filter.after.due)}::timestamptz, $${params.push(filter.after.id)}::bigint)`,
    );
  }
  return db.query<QueueRow>(
    `SELECT r.id, r.reference, r.status, r.name, r.email, r.license_number, r.order_number, r.desired_outcome,
            r.created_at, r.first_response_due_at, r.resolution_due_at,
            CASE WHEN ${CLOSED} THEN NULL ELSE ${NEXT_DUE} END AS due_at,
            r.status = 'waiting_on_customer' AS paused, ${CLOCK} AS clock_key, ${NEXT_DUE}::text AS due_key,
            ${OVERDUE} AS overdue, m.verdict, m.score::float8 AS score, m.result -> 'flags' AS flags,
            u.email AS owner
       FROM recovery_requests r
       LEFT JOIN match_results m ON m.request_id = r.id
       LEFT JOIN users u ON u.id = r.claimed_by
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${CLOCK}, ${NEXT_DUE}, r.id
      LIMIT $${params.push(filter.limit)}`,
    params,
  );
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
