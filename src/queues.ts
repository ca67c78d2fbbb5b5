import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

/** Every job the desk runs: its queue, its payload (ids only, never personal data) and defaults. */
export interface JobPayloads {
  match: { requestId: number };
  'send-email': { emailId: number };
}
export type JobName = keyof JobPayloads;

const keepFinished = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export const JOBS: Record<JobName, { queue: string; options: JobsOptions }> = {
  match: {
    queue: 'match',
    options: { attempts: 8, backoff: { type: 'exponential', delay: 1_000 }, ...keepFinished },
  },
  'send-email': {
    queue: 'email',
    // With a 2 s base the last of 10 tries comes about 17 minutes after the first.
    options: { attempts: 10, backoff: { type: 'exponential', delay: 2_000 }, ...keepFinished },
  },
};

export const QUEUE_NAMES = [...new Set(Object.values(JOBS).map((j) => j.queue))];

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
