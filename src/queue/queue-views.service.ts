import type { Db } from '../db/db.ts';
import { isUniqueViolation } from '../db/db.ts';
import type { QueueQuery } from './queue.schema.ts';
import {
  deleteView,
  insertView,
  listViews,
  lockViewsOf,
  type QueueViewRow,
} from './queue-views.repository.ts';

/** How many views one user may keep. */
export const MAX_VIEWS_PER_USER = 12;

/** The filters and sort a view keeps, in the query string's fixed order; defaults are left out. */
const KEPT = ['q', 'status', 'verdict', 'flag', 'owner', 'overdue', 'sort', 'order'] as const;
const DEFAULTS: Partial<Record<(typeof KEPT)[number], string>> = {
  status: 'open',
  overdue: 'false',
  sort: 'due',
  order: 'asc',
};

/**
 * The queue's filters and sort as one query string, the same for the same queue however it was
 * asked for: `/desk` for the default (open requests, due first). A view stores this string, and
 * the tab whose string is the page's is the one shown as current.
 */
export function canonicalQuery(query: QueueQuery): string {
  const params = new URLSearchParams();
  for (const key of KEPT) {
    const value = query[key];
    if (value === undefined || value === '' || String(value) === DEFAULTS[key]) continue;
    params.set(key, String(value));
  }
  return params.toString();
}

export type SaveViewResult =
  | { kind: 'saved'; view: QueueViewRow }
  | { kind: 'name_taken' }
  | { kind: 'same_filters'; existing: string }
  | { kind: 'too_many' }
  | { kind: 'default_filters' };

/** Saves the page's filters and sort under a name for this user (names unique per user, any case). */
export async function saveView(
  db: Db,
  userId: number,
  input: { name: string; query: QueueQuery },
): Promise<SaveViewResult> {
  const query = canonicalQuery(input.query);
  if (query === '') return { kind: 'default_filters' };
  try {
    return await db.transaction(async (tx) => {
      await lockViewsOf(tx, userId);
      const views = await listViews(tx, userId);
      const same = views.find((v) => v.query === query);
      if (same) return { kind: 'same_filters', existing: same.name };
      if (views.some((v) => v.name.toLowerCase() === input.name.toLowerCase())) return { kind: 'name_taken' };
      if (views.length >= MAX_VIEWS_PER_USER) return { kind: 'too_many' };
      return { kind: 'saved', view: await insertView(tx, { userId, name: input.name, query }) };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'queue_views_user_name')) return { kind: 'name_taken' };
    throw error;
  }
}

export function viewsOf(db: Db, userId: number): Promise<QueueViewRow[]> {
  return listViews(db, userId);
}

/** Deletes one of the user's own views: the view deleted, or undefined when they have none by that id. */
export function deleteOwnView(db: Db, userId: number, id: number): Promise<QueueViewRow | undefined> {
  return deleteView(db, userId, id);
}
