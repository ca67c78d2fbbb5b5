import type { Queryable } from '../db/db.ts';

export interface QueueViewRow {
  id: number;
  name: string;
  /** The queue's canonical query string (queue-views.ts `canonicalQuery`). */
  query: string;
}

/** A user's saved views, in the order they were saved. */
export async function listViews(db: Queryable, userId: number): Promise<QueueViewRow[]> {
  return db.query<QueueViewRow>('SELECT id, name, query FROM queue_views WHERE user_id = $1 ORDER BY id', [
    userId,
  ]);
}

/** Locks the user's row so two saves by one user never both pass the per-user limit. */
export async function lockViewsOf(tx: Queryable, userId: number): Promise<void> {
  await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
}

export async function insertView(
  tx: Queryable,
  view: { userId: number; name: string; query: string },
): Promise<QueueViewRow> {
  const [row] = await tx.query<QueueViewRow>(
    'INSERT INTO queue_views (user_id, name, query) VALUES ($1, $2, $3) RETURNING id, name, query',
    [view.userId, view.name, view.query],
  );
  return row!;
}

/** Deletes one of the user's own views; another user's view is as absent as a missing one. */
export async function deleteView(
  db: Queryable,
  userId: number,
  id: number,
): Promise<QueueViewRow | undefined> {
  const [row] = await db.query<QueueViewRow>(
    'DELETE FROM queue_views WHERE id = $1 AND user_id = $2 RETURNING id, name, query',
    [id, userId],
  );
  return row;
}
