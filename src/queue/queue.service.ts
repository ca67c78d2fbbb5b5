import type { Db } from '../db/db.ts';
import { AppError } from '../errors.ts';
import { normaliseLicenseKey, normaliseLicenseNumber, orderNumberKey } from '../identifiers/identifiers.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { normaliseReference } from '../requests/reference.ts';
import {
  findUserIdByEmail,
  listQueue,
  type QueueFilter,
  type QueueKey,
  type QueueRow,
} from './queue.repository.ts';
import type { QueueQuery } from './queue.schema.ts';
import type { StatusCounts, StatusCountsCache } from './status-counts.ts';
import { REQUEST_STATUSES } from '../requests/request-status.ts';

export interface QueuePage {
  items: Omit<QueueRow, 'id' | 'clock_key' | 'due_key'>[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: string | null;
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
 * One page of the queue, what is due soonest first. `q` is read as whatever it looks like: a
 * reference, an email address, a licence number or key, else an order number.
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
    after: query.cursor ? readCursor(query.cursor) : undefined,
    limit: query.limit + 1,
  };
  const [rows, counted] = await Promise.all([listQueue(db, filter), counts.get()]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ id: _id, clock_key: _clock, due_key: _due, ...item }) => item),
    next_cursor: rows.length > query.limit && last ? writeCursor(last) : null,
    counts: counted,
  };
}

export function searchFor(q: string): QueueFilter['search'] {
  const reference = normaliseReference(q);
  if (reference && /^(rd-?)?[0-9a-z]{8}$/i.test(q.trim())) return { reference };
  if (q.includes('@')) return { mailbox: normaliseMailbox(q) };
  const licenseNumber = normaliseLicenseNumber(q);
  if (licenseNumber) return { licenseNumber };
  const licenseKey = normaliseLicenseKey(q);
  if (licenseKey) return { licenseKey };
  return { orderKey: orderNumberKey(q) };
}

async function owner(db: Db, given: string | undefined, viewerId: number): Promise<QueueFilter['owner']> {
  if (!given) return undefined;
  if (given === 'me') return { id: viewerId };
  if (given === 'none') return 'none';
  const id = await findUserIdByEmail(db, given);
  if (id === undefined) throw new InvalidQueryError('owner: no desk user has this address.');
  return { id };
}

function writeCursor(row: QueueRow): string {
  return Buffer.from(JSON.stringify([row.clock_key, row.due_key, row.id])).toString('base64url');
}

// The due key as PostgreSQL writes a timestamptz as text (`2024-10-31 12:00:00.123456+00`).
const DUE_KEY = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2})(?::(\d{2}))?$/;

/**
 * Only a cursor of the shape writeCursor() gives out, with a real time in it: JavaScript's
 * Date.parse takes "1" as the year 2001, and PostgreSQL would then refuse it with a 500.
 */
function readCursor(cursor: string): QueueKey {
  try {
    const [clock, due, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const parts = typeof due === 'string' ? DUE_KEY.exec(due) : null;
    const clockKnown = clock === 0 || clock === 1 || clock === 2;
    if (parts && clockKnown && Number.isSafeInteger(id) && (id as number) > 0) {
      const [, date, time, hours, minutes] = parts;
      const at = new Date(`${date}T${time}${hours}:${minutes ?? '00'}`);
      const year = Number(date!.slice(0, 4));
      if (!Number.isNaN(at.getTime()) && year >= 1 && sameCalendarDate(date!))
        return { clock, due: due as string, id: id as number };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidQueryError('cursor: not a cursor this queue gave out.');
}

/** `2024-02-31` is no date, though JavaScript rolls it over to March. */
function sameCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}
