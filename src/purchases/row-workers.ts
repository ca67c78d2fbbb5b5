import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { batchPreparer, type PreparedBatch, type RecordBatch } from './purchase-batch.ts';

/** What each worker is started with. The key stays in its memory: never logged, never sent again. */
export interface RowWorkerData {
  secretKey: string;
}

/** The licence numbers that repeat (sent once, before any batch), then the batches. */
export type RowWorkerMessage =
  { kind: 'repeated'; lastLines: ReadonlyMap<string, number> } | ({ kind: 'batch' } & RecordBatch);

/** Where an import's batches are prepared (purchase-batch.ts): worker threads, or this thread. */
export interface BatchPreparers {
  readonly size: number;
  /** Before the first batch: the numbers that appear on more than one valid row, by last line. */
  repeated(lastLines: ReadonlyMap<string, number>): void;
  prepare(batch: RecordBatch): Promise<PreparedBatch>;
  close(): Promise<void>;
}

/** `threads` worker threads; 0 prepares each batch on this thread, when it is asked. */
export function startPreparers(secretKey: string, threads: number): BatchPreparers {
  if (threads > 0) return new RowWorkers(secretKey, threads);
  let prepare: ((batch: RecordBatch) => PreparedBatch) | undefined;
  return {
    size: 1,
    repeated: (lastLines) => (prepare = batchPreparer(secretKey, lastLines)),
    prepare: (batch) => new Promise((resolve) => resolve(prepare!(batch))),
    close: async () => {},
  };
}

/**
 * One worker thread fewer than the cores, and none on two: the main thread is busy too (reading,
 * streaming to COPY), and so, on a small machine, is the PostgreSQL server. Measured on 2 shared
 * cores with the server on the same machine, a million rows under tsx: on this thread 60 s,
 * 25 s of CPU, 142 MB; with one worker 89 s, 45 s of CPU, 188 MB. There was no idle core to use.
 */
export const defaultThreads = () => (availableParallelism() > 2 ? availableParallelism() - 1 : 0);

interface Pending {
  resolve: (batch: PreparedBatch) => void;
  reject: (error: Error) => void;
}

/**
 * A small pool of worker threads: reading, checking, encrypting and fingerprinting rows, the
 * import's CPU work, runs on every core while the main thread reads the file and streams to
 * COPY. Each worker answers in the order it was asked, so a batch's promise is the oldest of its
 * worker's queue. A worker that fails fails every batch in hand, and the pool with it: an import
 * never goes on short of rows.
 */
class RowWorkers implements BatchPreparers {
  private readonly workers: { worker: Worker; queue: Pending[] }[] = [];
  private failure: Error | undefined;

  constructor(secretKey: string, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker({ secretKey });
      const entry = { worker, queue: [] as Pending[] };
      worker.on('message', (batch: PreparedBatch) => entry.queue.shift()?.resolve(batch));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) =>
        this.fail(new Error(`an import worker thread stopped (exit code ${code})`)),
      );
      this.workers.push(entry);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  repeated(lastLines: ReadonlyMap<string, number>): void {
    for (const { worker } of this.workers) worker.postMessage({ kind: 'repeated', lastLines });
  }

  /** Prepares a batch on the least busy worker. */
  prepare(batch: RecordBatch): Promise<PreparedBatch> {
    if (this.failure) return Promise.reject(this.failure);
    const entry = this.workers.reduce((a, b) => (b.queue.length < a.queue.length ? b : a));
    return new Promise((resolve, reject) => {
      entry.queue.push({ resolve, reject });
      entry.worker.postMessage({ kind: 'batch', ...batch } satisfies RowWorkerMessage);
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('the import worker threads were stopped'));
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { queue } of this.workers) for (const pending of queue.splice(0)) pending.reject(this.failure);
  }
}

/**
 * The worker's file beside this one, with this file's own extension: `.ts` under tsx (in
 * development and tests), `.js` once compiled to dist/. A worker thread does not inherit tsx's
 * loader from `node --import tsx`, so a `.ts` worker first registers it, then loads its file.
 */
function startWorker(workerData: RowWorkerData): Worker {
  const here = fileURLToPath(import.meta.url);
  const entry = new URL(`./purchase-rows.worker${path.extname(here)}`, import.meta.url);
  const options = { workerData, resourceLimits: WORKER_LIMITS };
  if (path.extname(here) !== '.ts') return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

// A batch's strings die young: a small young generation is scavenged more often but keeps the
// worker's memory down (a 200,000-row import under tsx: peak RSS 200 MB with the default, 176 MB).
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };
