import type { Db, Queryable } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import { listenForOutboxRows } from './outbox-listener.ts';
import { insertOutboxJob, findUndispatched, markDispatched, redispatchStale } from './outbox.repository.ts';
import { isJobName, outboxJob, type JobName, type JobPayloads, type Queues } from '../queues.ts';

const BATCH = 200;
/** Work not done this long after its job left is handed again (see redispatchStale), at most 3 times. */
export const STALE_SECONDS = 20 * 60;
const MAX_TRIES = 3;
const SWEEP_EVERY_MS = 60_000;
/** While LISTENing, polling is only a safety net (a writer that died between commit and wake). */
const QUIET_POLL_MS = 30_000;

export interface RelayOptions {
  /** How often to look for rows while not listening (no listenUrl, the listener down, Redis failing). */
  intervalMs?: number;
  /** A PostgreSQL URL for the listening connection; without it the relay polls every intervalMs. */
  listenUrl?: string;
}

/** Queues a job inside the caller's transaction (the outbox pattern of STYLE.md). */
export function enqueueInTransaction<N extends JobName>(tx: Queryable, name: N, payload: JobPayloads[N]) {
  return insertOutboxJob(tx, outboxJob(name, payload));
}

export interface Relay {
  /** Moves what is waiting now; call after a commit that wrote outbox rows. */
  wake(): void;
  /** Moves everything waiting, resolving when the outbox is empty or Redis refuses. */
  drain(): Promise<number>;
  /** Hands again what was dispatched but never done; returns how many rows. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Moves outbox rows into BullMQ: right after a commit in this process (wake); when another
 * process without a relay says it wrote rows (a NOTIFY on OUTBOX_CHANNEL, see notifyOutboxRows);
 * and by polling, every `intervalMs` while it cannot listen or Redis refuses (rows written
 * meanwhile leave once it is back), else every 30 s. The job id is the row's own uuid, so a row
 * handed over twice (a crash between add and mark, two relays) is still one job.
 */
export function startRelay(db: Db, queues: Queues, logger: Logger, options: RelayOptions = {}): Relay {
  const intervalMs = options.intervalMs ?? 1_000;
  let running: Promise<number> | null = null;
  let again = false;
  let failing = false;
  let lastRun = 0;

  async function moveAll(): Promise<number> {
    let moved = 0;
    for (;;) {
      const rows = await findUndispatched(db, BATCH);
      const jobs = rows.filter((r) => isJobName(r.job_name));
      if (jobs.length < rows.length)
        logger.error({ rows: rows.length - jobs.length }, 'outbox rows with unknown job names');
      if (rows.length === 0) return moved;
      await queues.addBulk(
        jobs.map((r) => ({
          name: r.job_name as JobName,
          payload: r.payload as JobPayloads[JobName],
          jobId: r.job_id,
        })),
      );
      await markDispatched(
        db,
        rows.map((r) => r.id),
      );
      moved += rows.length;
      if (rows.length < BATCH) return moved;
    }
  }

  function run(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    lastRun = Date.now();
    running = moveAll()
      .then((moved) => {
        if (failing) logger.info('outbox relay reaches Redis again');
        failing = false;
        return moved;
      })
      .catch((error: unknown) => {
        if (!failing) logger.warn({ err: error }, 'outbox relay cannot hand jobs to Redis yet; will retry');
        failing = true;
        return 0;
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          void run();
        }
      });
    return running;
  }

  async function sweep(): Promise<number> {
    const handed = await redispatchStale(db, STALE_SECONDS, MAX_TRIES);
    if (handed > 0) logger.warn({ rows: handed }, 'outbox rows dispatched but never done: handed again');
    if (handed > 0) await run();
    return handed;
  }

  const listener = options.listenUrl
    ? listenForOutboxRows(options.listenUrl, logger, () => void run())
    : undefined;
  const timer = setInterval(() => {
    const quiet = listener?.listening && !failing;
    if (!quiet || Date.now() - lastRun >= QUIET_POLL_MS) void run();
  }, intervalMs);
  timer.unref();
  const sweeper = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, 'outbox sweep failed; will retry'));
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  return {
    wake: () => void run(),
    drain: async () => {
      let total = 0;
      for (;;) {
        const moved = await run();
        total += moved;
        if (moved === 0) return total;
      }
    },
    sweep,
    async stop() {
      clearInterval(timer);
      clearInterval(sweeper);
      await listener?.stop();
      again = false;
      await running;
    },
  };
}
