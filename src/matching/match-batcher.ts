import type { Db } from '../db/db.ts';
import type { MatchResult } from './match-result.ts';
import { matchRequests, type MatchOutcome, type VerdictFollowUp } from './matching.service.ts';

/** How the match jobs in hand are gathered into batches. */
export interface BatchOptions {
  /** Requests in one batch at most (a batch is one set of four statements). */
  maxBatch: number;
  /** Batches waiting on the database at once; requests arriving meanwhile form the next batch. */
  maxInFlight: number;
}

/**
 * The worker's default. With 64 match jobs in hand (workers/index.ts), batches averaged about 20
 * requests (0.2 statements a job) on the bench's 2 cores; two in flight keep PostgreSQL busy while
 * the next batch gathers, and leave the pool's other connections to the relay (issue 14).
 */
export const BATCH_OPTIONS: BatchOptions = { maxBatch: 64, maxInFlight: 2 };

interface Waiter {
  resolve(result: MatchResult): void;
  reject(error: Error): void;
}

/**
 * Matches requests as `matchRequest` does, sharing the database work of the jobs in hand
 * (DataLoader-style): requests asked for in the same turn of the event loop, or while the
 * previous batches wait on the database, go together to `matchRequests`. Under light load a
 * request goes alone at once; under load the batches grow, up to `maxBatch`. The same request
 * asked twice in one batch (a duplicate job) is matched, and saved, once; both get its result.
 * When a batch fails as a whole (a database fault), each of its requests is tried alone, so one
 * request the database refuses fails only its own job.
 * `followUp` runs in each batch's storing transaction (instant recovery).
 */
export function createMatchBatcher(
  db: Db,
  options: BatchOptions = BATCH_OPTIONS,
  followUp?: VerdictFollowUp,
) {
  let pending = new Map<number, Waiter[]>();
  let inFlight = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (pending.size === 0 || inFlight >= options.maxInFlight) return;
    const batch = pending;
    pending = new Map();
    inFlight++;
    void runBatch(db, batch, followUp).finally(() => {
      inFlight--;
      flush();
    });
  };

  return function match(requestId: number): Promise<MatchResult> {
    return new Promise<MatchResult>((resolve, reject) => {
      const waiters = pending.get(requestId);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(requestId, [{ resolve, reject }]);
      if (pending.size >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };
}

/** Runs one batch and settles every waiter with its request's outcome; never rejects. */
async function runBatch(db: Db, batch: Map<number, Waiter[]>, followUp?: VerdictFollowUp): Promise<void> {
  const ids = [...batch.keys()];
  let outcomes: Map<number, MatchOutcome>;
  try {
    outcomes = await matchRequests(db, ids, undefined, followUp);
  } catch (error) {
    outcomes = ids.length === 1 ? new Map([[ids[0]!, failed(error)]]) : await oneByOne(db, ids, followUp);
  }
  for (const [id, waiters] of batch) {
    const outcome = outcomes.get(id) ?? failed(new Error(`request ${id} was not matched`));
    for (const waiter of waiters) {
      if (outcome.ok) waiter.resolve(outcome.result);
      else waiter.reject(outcome.error);
    }
  }
}

/** Each request of a failed batch alone, at once: a fault of one stays with its own job. */
async function oneByOne(
  db: Db,
  ids: number[],
  followUp?: VerdictFollowUp,
): Promise<Map<number, MatchOutcome>> {
  const alone = await Promise.all(
    ids.map(async (id): Promise<[number, MatchOutcome]> => {
      try {
        return [
          id,
          (await matchRequests(db, [id], undefined, followUp)).get(id) ??
            failed(new Error(`request ${id} was not matched`)),
        ];
      } catch (error) {
        return [id, failed(error)];
      }
    }),
  );
  return new Map(alone);
}

function failed(error: unknown): MatchOutcome {
  return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
}
