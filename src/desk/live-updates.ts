import type { Queryable } from '../db/db.ts';

/**
 * When the matcher last stored a result, as text. The queue's live stream polls this (one
 * index lookup) rather than listening on Redis, so it works the same behind any number of
 * web processes and needs no connection of its own.
 */
export async function latestMatchAt(db: Queryable): Promise<string | null> {
  const [row] = await db.query<{ at: string | null }>(
    'SELECT max(matched_at)::text AS at FROM match_results',
  );
  return row?.at ?? null;
}
