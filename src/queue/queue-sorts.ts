/**
 * The queue's sort orders and their keyset cursors. Each sort is an ordered list of keys ending in
 * the request's id (ties broken by id); `desc` reverses the whole list, so one index serves a sort
 * in both directions. Every key expression is spelled as in migrations 0015 and 0019's indexes.
 */
export const QUEUE_SORTS = ['due', 'created', 'updated', 'verdict', 'status'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** A key's type: a small rank (0 to `max`) or a time. */
type KeyType = { kind: 'rank'; max: number } | { kind: 'time' };

interface SortKey {
  sql: string;
  type: KeyType;
}

const CLOSED = `r.status IN ('resolved', 'rejected')`;
/**
 * The due order is (clock, next due, id). `clock`: 0 while the service-level clock runs, 1 while
 * it stands still (waiting on the customer), 2 once closed. `next due`: the deadline that applies
 * next, the first response while unanswered (or the resolution, if that comes sooner), then the
 * resolution.
 */
export const CLOCK = `(CASE WHEN ${CLOSED} THEN 2 WHEN r.status = 'waiting_on_customer' THEN 1 ELSE 0 END)`;
export const NEXT_DUE = `(CASE WHEN r.first_responded_at IS NULL THEN LEAST(r.first_response_due_at, r.resolution_due_at) ELSE r.resolution_due_at END)`;

const time: KeyType = { kind: 'time' };

/** Each sort's keys before the id, and the default direction a technician expects. */
export const SORT_KEYS: Record<QueueSort, readonly SortKey[]> = {
  due: [
    { sql: CLOCK, type: { kind: 'rank', max: 2 } },
    { sql: NEXT_DUE, type: time },
  ],
  created: [{ sql: 'r.created_at', type: time }],
  updated: [{ sql: 'r.updated_at', type: time }],
  verdict: [{ sql: 'queue_verdict_rank(r.verdict)', type: { kind: 'rank', max: 4 } }],
  status: [{ sql: 'queue_status_rank(r.status)', type: { kind: 'rank', max: 5 } }],
};

/** Where a keyset page starts: after this row, in this sort. Keys as text, as PostgreSQL wrote them. */
export interface QueueKey {
  sort: QueueSort;
  order: SortOrder;
  keys: string[];
  id: number;
}

/** `ORDER BY` and the keyset condition of a sort, with the cursor's values as parameters. */
export function orderSql(sort: QueueSort, order: SortOrder): string {
  const dir = order === 'desc' ? ' DESC' : '';
  return [...SORT_KEYS[sort].map((k) => k.sql), 'r.id'].map((e) => `${e}${dir}`).join(', ');
}

export function afterSql(key: QueueKey, param: (value: unknown) => string): string {
  const keys = SORT_KEYS[key.sort];
  const left = [...keys.map((k) => k.sql), 'r.id'].join(', ');
  const right = [
    ...keys.map((k, i) => `${param(key.keys[i])}::${k.type.kind === 'rank' ? 'int' : 'timestamptz'}`),
    `${param(key.id)}::bigint`,
  ].join(', ');
  return `(${left}) ${key.order === 'desc' ? '<' : '>'} (${right})`;
}

/** The row's sort keys as text, to the microsecond, selected as `sort_keys`. */
export function sortKeysSql(sort: QueueSort): string {
  return `ARRAY[${SORT_KEYS[sort].map((k) => `${k.sql}::text`).join(', ')}]`;
}

export function writeCursor(key: QueueKey): string {
  return Buffer.from(JSON.stringify([key.sort, key.order, ...key.keys, key.id])).toString('base64url');
}

/** A cursor that cannot be read, or one given out for another sort: the sentence to answer with. */
export type CursorProblem =
  { kind: 'unreadable' } | { kind: 'other_sort'; sort: QueueSort; order: SortOrder };

/**
 * Only a cursor of the shape writeCursor() gives out, with real values in it: JavaScript's
 * Date.parse takes "1" as the year 2001, and PostgreSQL would then refuse it with a 500.
 */
export function readCursor(
  cursor: string,
  sort: QueueSort,
  order: SortOrder,
): { key: QueueKey } | { problem: CursorProblem } {
  let parts: unknown[];
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
  } catch {
    return { problem: { kind: 'unreadable' } };
  }
  if (!Array.isArray(parts)) return { problem: { kind: 'unreadable' } };
  const [givenSort, givenOrder, ...rest] = parts;
  const known = QUEUE_SORTS.includes(givenSort as QueueSort) && SORT_ORDERS.includes(givenOrder as SortOrder);
  if (!known) return { problem: { kind: 'unreadable' } };
  if (givenSort !== sort || givenOrder !== order)
    return { problem: { kind: 'other_sort', sort: givenSort as QueueSort, order: givenOrder as SortOrder } };
  const types = SORT_KEYS[sort].map((k) => k.type);
  const id = rest.at(-1);
  const keys = rest.slice(0, -1);
  const fits =
    keys.length === types.length &&
    keys.every((value, i) => keyFits(value, types[i]!)) &&
    Number.isSafeInteger(id) &&
    (id as number) > 0;
  if (!fits) return { problem: { kind: 'unreadable' } };
  return { key: { sort, order, keys: keys as string[], id: id as number } };
}

function keyFits(value: unknown, type: KeyType): boolean {
  if (typeof value !== 'string') return false;
  switch (type.kind) {
    case 'rank':
      return /^\d$/.test(value) && Number(value) <= type.max;
    case 'time':
      return isPostgresTime(value);
  }
}

// A timestamptz as PostgreSQL writes it as text (`2024-10-31 12:00:00.123456+00`).
const TIME_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2})(?::(\d{2}))?$/;

function isPostgresTime(value: string): boolean {
  const parts = TIME_TEXT.exec(value);
  if (!parts) return false;
  const [, date, clock, hours, minutes] = parts;
  const at = new Date(`${date}T${clock}${hours}:${minutes ?? '00'}`);
  return !Number.isNaN(at.getTime()) && Number(date!.slice(0, 4)) >= 1 && sameCalendarDate(date!);
}

/** `2024-02-31` is no date, though JavaScript rolls it over to March. */
function sameCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}
