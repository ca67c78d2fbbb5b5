import type { Job } from 'bullmq';
import type { Config } from '../src/config.ts';
import type { Db } from '../src/db/db.ts';
import type { Logger } from '../src/logger.ts';
import type { MailTransport } from '../src/mail/mail.transport.ts';
import type { Relay } from '../src/outbox/outbox.relay.ts';
import type { Templates } from '../src/templates.ts';

/** What job handlers may use. */
export interface WorkerDeps {
  config: Config;
  logger: Logger;
  db: Db;
  transport: MailTransport;
  templates: Templates;
  relay: Relay;
}

export type JobHandler = (job: Job) => Promise<unknown>;

/** Whether this run is the job's last permitted attempt. */
export function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
