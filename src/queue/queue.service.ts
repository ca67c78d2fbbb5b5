import type { Db } from '../db/db.ts';
import { AppError } from '../errors.ts';
import { normaliseLicenseKey, normaliseLicenseNumber, orderNumberKey } from '../identifiers/identifiers.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { normaliseReference } from '../requests/reference.ts';
import {
  countQueue,
  findUserIdByEmail,
  listQueue,
  type QueueFilter,
  type QueueRow,
  type SearchTerm,
} from './queue.repository.ts';
import { readCursor, writeCursor, type QueueKey } from './queue-sorts.ts';
import type { QueueQuery } from './queue.schema.ts';
import type { StatusCounts, StatusCountsCache } from './status-counts.ts';
import { REQUEST_STATUSES } from '../requests/request-status.ts';

/** The result count stops here: "1,000+" (counting 100,000 open requests would outlast the page). */
export const COUNT_CAP = 1_000;

export interface QueuePage {
  items: Omit<QueueRow, 'id' | 'sort_keys'>[];
  /** Pass as `cursor` for the next page (same filters, sort and order); null on the last one. */
  next_cursor: string | null;
  /** How many requests the filters and search find: `count`, or at least `count` when `capped`. */
  total: { count: number; capped: boolean };
  /** Taken at most a few seconds before the page (status-counts.ts). */
  counts: StatusCounts;
}

/** A filter of the queue that cannot be read: 400, naming it. */
export class InvalidQueryError extends AppError {
  constructor(message: string) {
    super('invalid_query', 400, message);
  }
}

const OPEN_STATUSES = REQUEST_STATUSES.filter((s) => s !== 'resolved' && s !== 'rejected');

/**
 * One page of the queue in the asked sort (what is due soonest first by default), with the count
 * of what the filters find. `q` is read as whatever it looks like (searchFor).
 */
export async function queuePage(
  db: Db,
  counts: StatusCountsCache,
  query: QueueQuery,
  viewerId: number,
): Promise<QueuePage> {
  const filter: QueueFilter = {
    statuses: query.status === 'open' ? OPEN_STATUSES : query.status === 'all' ? 'all' : [query.status],
    verdict: query.verdict,
    flag: query.flag,
    owner: await owner(db, query.owner, viewerId),
    overdue: query.overdue,
    search: query.q ? searchFor(query.q) : undefined,
  };
  const { sort, order } = query;
  const after = query.cursor ? cursorKey(query, query.cursor) : undefined;
  const [rows, found, counted] = await Promise.all([
    listQueue(db, filter, { sort, order, after, limit: query.limit + 1 }),
    countQueue(db, filter, COUNT_CAP + 1),
    counts.get(),
  ]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ id: _id, sort_keys: _keys, ...item }) => item),
    next_cursor:
      rows.length > query.limit && last
        ? writeCursor({ sort, order, keys: last.sort_keys, id: last.id })
        : null,
    total: { count: Math.min(found, COUNT_CAP), capped: found > COUNT_CAP },
    counts: counted,
  };
}

/**
 * What a search may mean. An address, a licence number or key, or a reference written with its
 * `RD-` are unmistakable; anything else may be an order number, a customer's name (every word a
 * prefix, in any order, case and accents ignored), or a reference typed without its `RD-`.
 * Each is normalised as intake normalises it (src/identifiers/).
 */
export function searchFor(q: string): SearchTerm[] {
  const text = q.trim();
  if (text.includes('@')) return [{ mailbox: normaliseMailbox(text) }];
  const licenseNumber = normaliseLicenseNumber(text);
  if (licenseNumber) return [{ licenseNumber }];
  const licenseKey = normaliseLicenseKey(text);
  if (licenseKey) return [{ licenseKey }];
  const reference = normaliseReference(text);
  if (reference && /^rd-/i.test(text)) return [{ reference }];
  const terms: SearchTerm[] = reference ? [{ reference }] : [];
  const orderKey = orderNumberKey(text);
  if (orderKey.length >= 3) terms.push({ orderKey });
  const words = text.match(/[\p{L}\p{N}]+/gu);
  if (words) terms.push({ nameWords: words.join(' ') });
  return terms;
}

async function owner(db: Db, given: string | undefined, viewerId: number): Promise<QueueFilter['owner']> {
  if (!given) return undefined;
  if (given === 'me') return { id: viewerId };
  if (given === 'none') return 'none';
  const id = await findUserIdByEmail(db, given);
  if (id === undefined) throw new InvalidQueryError('owner: no desk user has this address.');
  return { id };
}

function cursorKey(query: QueueQuery, cursor: string): QueueKey {
  const read = readCursor(cursor, query.sort, query.order);
  if ('key' in read) return read.key;
  switch (read.problem.kind) {
    case 'unreadable':
      throw new InvalidQueryError('cursor: not a cursor this queue gave out.');
    case 'other_sort':
      throw new InvalidQueryError(
        `cursor: this cursor belongs to sort=${read.problem.sort}&order=${read.problem.order}, not ` +
          `sort=${query.sort}&order=${query.order}; ask for the first page of this sort without a cursor.`,
      );
  }
}
