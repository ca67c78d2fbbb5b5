import type { Queryable } from '../db/db.ts';

/** The request's id, for writing an event against it; undefined when no request has the reference. */
export async function findRequestId(db: Queryable, reference: string): Promise<number | undefined> {
  const [row] = await db.query<{ id: number }>('SELECT id FROM recovery_requests WHERE reference = $1', [
    reference,
  ]);
  return row?.id;
}
