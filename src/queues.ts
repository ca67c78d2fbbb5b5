import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

const keepFinished = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

interface JobSpec {
  queue: string;
  /**
   * The row the job works on: its payload is that row's id under `idKey` (ids only, never
   * personal data), and while the row is still in `untilDone` state the work is not done, so the
   * outbox sweep hands the job again when it left long ago (`redispatchStale`).
   */
  subject: { table: string; idKey: string; untilDone: string };
  options: JobsOptions;
}

/** Every job the desk runs: its queue, its payload and what it works on, and its retry options. */
export const JOBS = {
  match: {
    queue: 'match',
    subject: { table: 'recovery_requests', idKey: 'requestId', untilDone: 'received' },
    options: { attempts: 8, backoff: { type: 'exponential', delay: 1_000 }, ...keepFinished },
  },
  'send-email': {
    queue: 'email',
    subject: { table: 'emails', idKey: 'emailId', untilDone: 'pending' },
    // With a 2 s base the last of 10 tries comes about 17 minutes after the first.
    options: { attempts: 10, backoff: { type: 'exponential', delay: 2_000 }, ...keepFinished },
  },
  // An email a customer sent (src/inbound): read, take its new text, thread it.
  'inbound-email': {
    queue: 'inbound',
    subject: { table: 'inbound_messages', idKey: 'inboundId', untilDone: 'received' },
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2_000 }, ...keepFinished },
  },
  // "Email me my codes" (src/lookups): list a mailbox's licences in one email to the address given.
  'code-lookup': {
    queue: 'lookup',
    subject: { table: 'code_lookups', idKey: 'lookupId', untilDone: 'received' },
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2_000 }, ...keepFinished },
  },
  // A call to the vendor's licensing system (src/integrations/licence-authority*.ts). Its backoff is
  // the worker's `licence-authority` strategy, read from LICENSE_AUTHORITY_RETRY_MS (doubling, at
  // most 10 minutes: 15 tries span about 1.5 hours; after that the outbox sweep hands it again).
  'licence-authority': {
    queue: 'authority',
    subject: { table: 'authority_calls', idKey: 'callId', untilDone: 'pending' },
    options: { attempts: 15, backoff: { type: 'licence-authority' }, ...keepFinished },
  },
  // Reports (src/reports): recount the days changed since the last run. Repeated every few minutes
  // by a job scheduler (workers/index.ts); its one subject row never waits, so it is never handed again.
  'report-rollup': {
    queue: 'report',
    subject: { table: 'report_rollup_state', idKey: 'stateId', untilDone: 'rolling' },
    options: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, ...keepFinished },
  },
  // One webhook delivery (src/webhooks): POSTed, signed, to its endpoint. With a 1 s base, 20 tries
  // reach past the 24 hours (WEBHOOK_RETRY_SECONDS) after which the handler marks it failed.
  'webhook-delivery': {
    queue: 'webhook',
    subject: { table: 'webhook_deliveries', idKey: 'deliveryId', untilDone: 'pending' },
    options: { attempts: 20, backoff: { type: 'exponential', delay: 1_000 }, ...keepFinished },
  },
} as const satisfies Record<string, JobSpec>;

export type JobName = keyof typeof JOBS;
/** Each job's payload, read from JOBS: `{ requestId: number }` for match, `{ emailId: number }` for send-email. */
export type JobPayloads = { [N in JobName]: Record<(typeof JOBS)[N]['subject']['idKey'], number> };

/**
 * An outbox row for a job: the queue, the job name and its payload. The row's job id (the BullMQ
 * job id) is a uuid the database gives it when it is written.
 */
export interface OutboxJob<N extends JobName = JobName> {
  queue: string;
  name: N;
  payload: JobPayloads[N];
}

export function outboxJob<N extends JobName>(name: N, payload: JobPayloads[N]): OutboxJob<N> {
  return { queue: JOBS[name].queue, name, payload };
}

export const QUEUE_NAMES: readonly string[] = [...new Set(Object.values(JOBS).map((j) => j.queue))];

export interface Queues {
  readonly prefix: string;
  /** Adds jobs; a jobId already in the queue is not added again. */
  addBulk(jobs: { name: JobName; payload: JobPayloads[JobName]; jobId: string }[]): Promise<void>;
  get(queue: string): Queue;
  close(): Promise<void>;
}

export function isJobName(name: string): name is JobName {
  return name in JOBS;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const queues = new Map(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix })]));
  const get = (name: string) => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`Unknown queue ${name}`);
    return queue;
  };
  for (const queue of queues.values()) queue.on('error', () => {}); // reported through /readyz and the relay
  return {
    prefix,
    get,
    async addBulk(jobs) {
      const byQueue = new Map<string, Parameters<Queue['addBulk']>[0]>();
      for (const job of jobs) {
        const { queue, options } = JOBS[job.name];
        const list = byQueue.get(queue) ?? [];
        list.push({ name: job.name, data: job.payload, opts: { ...options, jobId: job.jobId } });
        byQueue.set(queue, list);
      }
      await Promise.all([...byQueue].map(([queue, list]) => get(queue).addBulk(list)));
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
