import type { Queryable } from '../db/db.ts';
import type { JobName, JobPayloads } from '../queues.ts';

export interface OutboxRow {
  id: number;
  job_id: string;
  job_name: string;
  payload: unknown;
}

/** Records a job to run once the surrounding transaction commits. */
export async function insertOutboxJob<N extends JobName>(
  tx: Queryable,
  name: N,
  payload: JobPayloads[N],
  queue: string,
): Promise<void> {
  await tx.query('INSERT INTO outbox (queue, job_name, payload) VALUES ($1, $2, $3)', [
    queue,
    name,
    JSON.stringify(payload),
  ]);
}

export async function findUndispatched(db: Queryable, limit: number): Promise<OutboxRow[]> {
  return db.query<OutboxRow>(
    `SELECT id, job_id, job_name, payload FROM outbox
      WHERE dispatched_at IS NULL ORDER BY id LIMIT $1`,
    [limit],
  );
}

export async function markDispatched(db: Queryable, ids: number[]): Promise<void> {
  await db.query('UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

export async function countUndispatched(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL',
  );
  return row?.n ?? 0;
}
