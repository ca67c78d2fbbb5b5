import { Worker } from 'bullmq';
import { createMailTransport } from '../src/mail/mail.transport.ts';
import { startRelay } from '../src/outbox/outbox.relay.ts';
import { createQueues, JOBS, type JobName } from '../src/queues.ts';
import { authorityRetryDelay } from '../src/integrations/licence-authority.ts';
import { connectRedis } from '../src/redis/redis.ts';
import type { Base } from '../src/runtime.ts';
import { loadTemplates } from '../src/templates.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';
import { codeLookupHandler } from './code-lookup.worker.ts';
import { inboundEmailHandler } from './inbound-email.worker.ts';
import { licenceAuthorityHandler } from './licence-authority.worker.ts';
import { matchHandler } from './match.worker.ts';
import { REPORT_ROLLUP_EVERY_MS, reportRollupHandler } from './report-rollup.worker.ts';
import { sendEmailHandler } from './send-email.worker.ts';
import { webhookDeliveryHandler } from './webhook-delivery.worker.ts';

/** Every job name and its handler: the type makes a missing handler a compile error. */
function handlers(deps: WorkerDeps): Record<JobName, JobHandler> {
  return {
    match: matchHandler(deps),
    'send-email': sendEmailHandler(deps),
    'inbound-email': inboundEmailHandler(deps),
    'code-lookup': codeLookupHandler(deps),
    'licence-authority': licenceAuthorityHandler(deps),
    'report-rollup': reportRollupHandler(deps),
    'webhook-delivery': webhookDeliveryHandler(deps),
  };
}

/** Jobs each queue's worker runs at once (the bench runs its baselines at the same). Match jobs in
 * hand share their database work in batches (`createMatchBatcher`), so more at once means larger
 * batches: 64 gave about 0.2 statements per job, against 4 per job before batching (issue 14). */
export const CONCURRENCY: Record<string, number> = {
  email: 10,
  match: 64,
  inbound: 4,
  lookup: 4,
  authority: 4,
  report: 1,
  webhook: 8,
};

export interface Workers {
  deps: WorkerDeps;
  stop(): Promise<void>;
}

/** Starts one BullMQ worker per queue, dispatching each job to its handler by name. */
export function startWorkers(base: Base): Workers {
  const { config, logger, db } = base;
  const client = connectRedis(base.redisUrl, 'client', logger);
  const queues = createQueues(client, base.queuePrefix);
  const deps: WorkerDeps = {
    config,
    logger,
    db,
    transport: createMailTransport({ smtpUrl: config.smtpUrl, dataDir: config.dataDir, logger }),
    templates: loadTemplates(),
    relay: startRelay(db, queues, logger, { listenUrl: db.url }),
  };
  const byName: Partial<Record<string, JobHandler>> = handlers(deps);
  const missing = Object.keys(JOBS).filter((name) => !byName[name]);
  if (missing.length > 0) throw new Error(`no handler for job(s) ${missing.join(', ')}`);

  const connection = connectRedis(base.redisUrl, 'worker', logger);
  const queueNames = [...new Set(Object.values(JOBS).map((job) => job.queue))];
  const workers = queueNames.map((queue) => {
    const worker = new Worker(
      queue,
      async (job) => {
        const handler = byName[job.name];
        if (!handler) throw new Error(`no handler for job ${job.name}`);
        return handler(job);
      },
      {
        connection,
        prefix: base.queuePrefix,
        concurrency: CONCURRENCY[queue] ?? 1,
        autorun: true,
        // JOBS' custom backoff types, whose delays come from the settings.
        settings: {
          backoffStrategy: (attemptsMade: number, type?: string) =>
            type === 'licence-authority' ? authorityRetryDelay(config.licenceAuthority, attemptsMade) : 0,
        },
      },
    );
    worker.on('failed', (job, error) =>
      logger.warn(
        { queue, job: job?.id, name: job?.name, attempts: job?.attemptsMade, err: error },
        'job failed',
      ),
    );
    worker.on('error', (error) => logger.warn({ queue, err: error }, 'worker error'));
    return worker;
  });
  logger.info({ queues: queueNames }, 'workers started');
  // The reports' roll-up repeats by itself; one scheduler per prefix, however many workers start.
  queues
    .get(JOBS['report-rollup'].queue)
    .upsertJobScheduler(
      'report-rollup',
      { every: REPORT_ROLLUP_EVERY_MS },
      { name: 'report-rollup', data: { stateId: 1 }, opts: JOBS['report-rollup'].options },
    )
    .catch((error: unknown) => logger.warn({ err: error }, 'report roll-up not scheduled'));

  return {
    deps,
    async stop() {
      // Finishes the jobs in hand, takes no new ones.
      await Promise.all(workers.map((w) => w.close()));
      await deps.relay.stop();
      await queues.close();
      deps.transport.close();
      connection.disconnect();
      client.disconnect();
    },
  };
}
