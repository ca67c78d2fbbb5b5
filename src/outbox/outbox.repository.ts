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

/**
 * Hands work again whose job left the outbox but never got done: a request still `received`, or
 * an email still `pending`, long after its job went to Redis (a Redis that lost its data, a job
 * BullMQ gave up on after its worker died twice). The row gets a new job id (BullMQ keeps finished
 * jobs by id) and counts the try; after `maxTries` it is left for a person. Handing a job twice is
 * safe: matching is idempotent and an email is sent only from `pending`, by one sender.
 */
export async function redispatchStale(
  db: Queryable,
  staleSeconds: number,
  maxTries: number,
): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `UPDATE outbox o
        SET dispatched_at = NULL, job_id = gen_random_uuid(), attempts = o.attempts + 1,
            last_error = 'handed again: its work was not done ' || $1::int || ' s after dispatch'
      WHERE o.dispatched_at < now() - make_interval(secs => $1::int) AND o.attempts < $2
        AND ((o.job_name = 'match' AND EXISTS (SELECT 1 FROM recovery_requests r
                WHERE r.id = (o.payload ->> 'requestId')::bigint AND r.status = 'received'))
          OR (o.job_name = 'send-email' AND EXISTS (SELECT 1 FROM emails e
                WHERE e.id = (o.payload ->> 'emailId')::bigint AND e.status = 'pending')))
      RETURNING o.id`,
    [staleSeconds, maxTries],
  );
  return rows.length;
}
