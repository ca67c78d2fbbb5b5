import type { Queryable } from '../db/db.ts';
import { JOBS, type JobName, type OutboxJob } from '../queues.ts';
import { OUTBOX_CHANNEL } from './outbox-listener.ts';

/** `$n::text` for a value appended to `params`. */
const textParam = (params: unknown[]) => (value: string) => `$${params.push(value)}::text`;

export interface OutboxRow {
  id: number;
  job_id: string;
  job_name: string;
  payload: unknown;
}

/** Records a job to run once the surrounding transaction commits. */
export async function insertOutboxJob(tx: Queryable, job: OutboxJob): Promise<void> {
  await tx.query('INSERT INTO outbox (queue, job_name, payload) VALUES ($1, $2, $3)', [
    job.queue,
    job.name,
    JSON.stringify(job.payload),
  ]);
}

/**
 * For a statement that inserts rows and their jobs at once: an `INSERT INTO outbox` with one job
 * for each row of each source (a CTE with an `id` column, e.g. `… RETURNING id`), its payload as
 * the registry (JOBS) spells it. Its parameters are appended to `params`.
 */
export function insertOutboxJobsFrom(sources: { job: JobName; from: string }[], params: unknown[]): string {
  const param = textParam(params);
  const selects = sources.map(({ job, from }) => {
    const { queue, subject } = JOBS[job];
    return `SELECT ${param(queue)}, ${param(job)}, jsonb_build_object(${param(subject.idKey)}, ${from}.id) FROM ${from}`;
  });
  return `INSERT INTO outbox (queue, job_name, payload)\n       ${selects.join('\n       UNION ALL\n       ')}`;
}

/**
 * Tells every listening relay that the outbox has rows, for a writer that runs no relay of its own
 * (`desk demo`); call it after the commit. Processes that run a relay wake it instead: a NOTIFY
 * inside the writing transaction would serialize commits (PostgreSQL holds a database-wide lock
 * from the NOTIFY's queueing to the end of the commit), which intake cannot afford.
 */
export async function notifyOutboxRows(db: Queryable): Promise<void> {
  await db.query("SELECT pg_notify($1, '')", [OUTBOX_CHANNEL]);
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
 * Hands work again whose job left the outbox but never got done: the job's row (JOBS' `subject`:
 * a request still `received`, an email still `pending`) is unchanged long after its job went to
 * Redis (a Redis that lost its data, a job BullMQ gave up on after its worker died twice). The
 * outbox row gets a new job id (BullMQ keeps finished jobs by id) and counts the try; after
 * `maxTries` it is left for a person. Handing a job twice is safe: every job is idempotent (an
 * email is sent only from `pending`, by one sender). One statement, so two relays sweeping at
 * once hand each row once.
 */
export async function redispatchStale(
  db: Queryable,
  staleSeconds: number,
  maxTries: number,
): Promise<number> {
  const params: unknown[] = [staleSeconds, maxTries];
  const param = textParam(params);
  const undone = (Object.keys(JOBS) as JobName[]).map((job) => {
    const { table, idKey, untilDone } = JOBS[job].subject;
    return `(o.job_name = ${param(job)} AND EXISTS (SELECT 1 FROM ${table} s
                WHERE s.id = (o.payload ->> ${param(idKey)})::bigint AND s.status = ${param(untilDone)}))`;
  });
  const rows = await db.query<{ id: number }>(
    `UPDATE outbox o
        SET dispatched_at = NULL, job_id = gen_random_uuid(), attempts = o.attempts + 1,
            last_error = 'handed again: its work was not done ' || $1::int || ' s after dispatch'
      WHERE o.dispatched_at < now() - make_interval(secs => $1::int) AND o.attempts < $2
        AND (${undone.join('\n          OR ')})
      RETURNING o.id`,
    params,
  );
  return rows.length;
}
