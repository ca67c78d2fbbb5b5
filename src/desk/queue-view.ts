import { MATCH_FLAGS, type MatchFlag } from '../matching/flags.ts';
import { OUTCOME_VERDICTS } from '../queue/queue.repository.ts';
import { STATUS_FILTERS } from '../queue/queue.schema.ts';
import { DESIRED_OUTCOME_WORDS, FLAG_LABEL, STATUS_WORDS, VERDICT_WORDS, wordFor } from './words.ts';
import type { QueueRow } from '../queue/queue.repository.ts';
import type { QueuePage } from '../queue/queue.service.ts';
import type { QueueQuery } from '../queue/queue.schema.ts';
import { QUEUE_SORTS, SORT_ORDERS, type QueueSort, type SortOrder } from '../queue/queue-sorts.ts';
import type { QueueViewRow } from '../queue/queue-views.repository.ts';
import { canonicalQuery } from '../queue/queue-views.service.ts';

/** Every flag the matcher raises (MATCH_FLAGS), explained in a technician's words. */
export const FLAG_TEXT: Record<MatchFlag, string> = {
  trial_license: 'Trial licence: it can be neither recovered nor refunded.',
  license_expired: 'The licence has expired: offer a renewal instead of a code.',
  license_refunded: 'The purchase was refunded: its codes no longer work.',
  license_revoked: 'The licence was revoked.',
  email_differs: "The requester's address is not the buyer's address of record.",
  buyer_identity_differs:
    "Neither the requester's address nor their name is the buyer's: licence, order, store and date are printed on a receipt or a box, and can be stolen with it.",
  region_mismatch:
    'The claimed country differs from the store that sold the licence (codes work only in its region).',
  multiple_candidates: 'Several purchases fit the evidence equally well.',
  duplicate_request: 'Another open request exists for this licence.',
  repeat_recovery: 'A code for this licence was sent recently.',
  velocity: 'Many requests came from this address or network in a short time.',
};

/** A stored flag as a chip shows it: a short label, and the sentence on hover or beside it. */
export function flagView(flag: string) {
  return { flag, label: wordFor(FLAG_LABEL, flag), text: wordFor(FLAG_TEXT, flag) };
}

/** "in 3 h", "2 d overdue": due times read at a glance. */
export function dueText(due: Date, now = Date.now()): string {
  const minutes = Math.round((new Date(due).getTime() - now) / 60_000);
  const span = (m: number) =>
    m >= 2 * 1440 ? `${Math.round(m / 1440)} d` : m >= 120 ? `${Math.round(m / 60)} h` : `${m} min`;
  return minutes >= 0 ? `in ${span(minutes)}` : `${span(-minutes)} overdue`;
}

/**
 * The queue's Due column: the deadline that applies next, as the queue is sorted (a missed first
 * response reads "2 h overdue"); a request waiting on the customer has its clock stopped; a closed
 * one has no deadline left.
 */
export function dueColumn(item: Pick<QueueRow, 'due_at' | 'paused'>, now = Date.now()): string {
  if (item.due_at === null) return 'closed';
  if (item.paused) return 'paused';
  return dueText(item.due_at, now);
}

/**
 * The queue page's view: the saved views as tabs (the one showing these filters current), rows
 * ready to print, the result count, the filters and sort as they were given, links kept.
 */
export function queueView(page: QueuePage, query: QueueQuery, views: readonly QueueViewRow[] = []) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, cursor: undefined, limit: undefined })) {
    if (v !== undefined && v !== false && v !== '') params.set(k, String(v));
  }
  const next = page.next_cursor
    ? `/desk?${new URLSearchParams([...params, ['cursor', page.next_cursor]])}`
    : null;
  const current = canonicalQuery(query);
  const currentView = views.find((v) => v.query === current);
  return {
    tabs: [
      { name: 'All open', href: '/desk', current: current === '' },
      ...views.map((v) => ({ name: v.name, href: `/desk?${v.query}`, current: v === currentView })),
    ],
    currentView,
    // The page's filters and sort, for the form that saves them as a view.
    kept: [...new URLSearchParams(current)].map(([name, value]) => ({ name, value })),
    canSave: current !== '' && !currentView,
    total: totalText(page.total),
    rows: page.items.map((item) => ({
      ...item,
      due: dueColumn(item),
      statusLabel: wordFor(STATUS_WORDS, item.status),
      verdictLabel: item.verdict ? wordFor(VERDICT_WORDS, item.verdict) : null,
      outcomeLabel: wordFor(DESIRED_OUTCOME_WORDS, item.desired_outcome),
      flagList: (item.flags ?? []).map(flagView),
    })),
    counts: Object.entries(page.counts.byStatus).map(([status, n]) => ({
      status,
      n,
      label: wordFor(STATUS_WORDS, status),
      current: query.status === status,
    })),
    overdueCount: page.counts.overdue,
    countedAt: countedAt(page.counts.as_of),
    filters: query,
    flags: MATCH_FLAGS.map((flag) => option(flag, FLAG_LABEL[flag], query.flag)),
    statusOptions: STATUS_FILTERS.map((status) => option(status, STATUS_FILTER_WORDS[status], query.status)),
    verdictOptions: [...OUTCOME_VERDICTS, 'unmatched' as const].map((verdict) =>
      option(verdict, VERDICT_WORDS[verdict], query.verdict),
    ),
    sortOptions: QUEUE_SORTS.map((sort) => option(sort, SORT_WORDS[sort], query.sort)),
    orderOptions: SORT_ORDERS.map((order) => option(order, ORDER_WORDS[order], query.order)),
    next,
    firstPage: query.cursor ? `/desk?${params}` : null,
  };
}

/** "214 requests", "1,000+ requests": the count is capped (COUNT_CAP in queue.service.ts). */
export function totalText(total: QueuePage['total']): string {
  const n = `${total.count.toLocaleString('en')}${total.capped ? '+' : ''}`;
  return total.count === 1 && !total.capped ? '1 request' : `${n} requests`;
}

const SORT_WORDS: Record<QueueSort, string> = {
  due: 'due',
  created: 'created',
  updated: 'last update',
  verdict: 'verdict',
  status: 'status',
};

const ORDER_WORDS: Record<SortOrder, string> = {
  asc: 'ascending',
  desc: 'descending',
};

const STATUS_FILTER_WORDS: Record<(typeof STATUS_FILTERS)[number], string> = {
  open: 'open',
  all: 'all',
  ...STATUS_WORDS,
};

function option(value: string, label: string, current: string | undefined) {
  return { value, label, selected: value === current };
}

/** When the counts beside the queue were taken, for a <time> element. */
function countedAt(at: Date) {
  const iso = at.toISOString();
  return { iso, text: `${iso.slice(11, 19)} UTC` };
}
