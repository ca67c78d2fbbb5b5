import type { Queryable } from '../db/db.ts';

/** The cheapest round trip: answers when the database takes queries. */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
