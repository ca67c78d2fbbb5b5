/**
 * The desk under test, in a process of its own: the web side (createApp via startWeb) on the
 * configured database (the server at DATABASE_URL, else the embedded one under DATA_DIR), and on
 * the bench's request the job workers, timed rounds of match jobs and of emails, each beside its
 * baseline in this same process. Started by bench/run.ts with an IPC channel; settings from env.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { createOwnToken } from '../src/auth/tokens.service.ts';
import { addUser } from '../src/auth/users.service.ts';
import { startWeb } from '../src/http/server.ts';
import { createLogger } from '../src/logger.ts';
import { createMailTransport, type OutgoingMessage } from '../src/mail/mail.transport.ts';
import { queueEmail, sendEmail, statusLinkSecret } from '../src/mail/mail.service.ts';
import { createCodeCipher } from '../src/purchases/code-cipher.ts';
import { connectRedis } from '../src/redis/redis.ts';
import { loadConfigOrExit, openDatabase, queuePrefixOf, type Base } from '../src/runtime.ts';
import { loadTemplates } from '../src/templates.ts';
import { CONCURRENCY, startWorkers, type Workers } from '../workers/index.ts';
import { matchHandler } from '../workers/match.worker.ts';
import type { WorkerDeps } from '../workers/job-handler.ts';
import type { HostCommand, HostHello, HostReply, HostRequest, HostResults } from './lib/host-protocol.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config, logger);
// The prefix every desk process on this database uses: the host's outbox relay and the separate
// web and worker processes the bench starts later hand jobs to the same queues.
const base: Base = { config, logger, db, redisUrl: config.redisUrl, queuePrefix: await queuePrefixOf(db) };
const web = await startWeb(base);
const templates = loadTemplates();
const transport = createMailTransport({ smtpUrl: config.smtpUrl, dataDir: config.dataDir, logger });
const redis = connectRedis(config.redisUrl, 'worker', logger);
const concurrency = { match: CONCURRENCY.match ?? 1, email: CONCURRENCY.email ?? 1 };
let workers: Workers | undefined;
let round = 0;

/** n match jobs through a BullMQ worker at the desk's concurrency: the desk's handler, or none. */
async function matchRound(side: 'desk' | 'baseline', requestIds: number[]) {
  const name = `bench-match-${process.pid}-${++round}`;
  const queue = new Queue(name, { connection: redis, prefix: 'benchm' });
  for (let i = 0; i < requestIds.length; i += 1000) {
    await queue.addBulk(
      requestIds.slice(i, i + 1000).map((requestId) => ({ name: 'match', data: { requestId } })),
    );
  }
  const deps = { db, logger, config } as Pick<WorkerDeps, 'db' | 'logger' | 'config'> as WorkerDeps;
  const handle = side === 'desk' ? matchHandler(deps) : (_job: Job) => Promise.resolve(null);
  let done = 0;
  let failed = 0;
  let resolve = () => {};
  const finished = new Promise<void>((r) => (resolve = r));
  const started = performance.now();
  const worker = new Worker(name, handle, {
    connection: redis,
    prefix: 'benchm',
    concurrency: concurrency.match,
    removeOnComplete: { count: 0 },
  });
  const count = () => {
    if (++done === requestIds.length) resolve();
  };
  worker.on('completed', count);
  worker.on('failed', () => {
    failed++;
    count();
  });
  await finished;
  const ms = performance.now() - started;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { ms, jobs: requestIds.length, failed };
}

const sample = {
  name: 'Anna Schmidt',
  reference: 'RD-7K2Q9XWM',
  statusUrl: `${config.publicUrl}/requests/RD-7K2Q9XWM?token=${randomBytes(32).toString('base64url')}`,
};
// The email job's cipher: the acknowledgement's status link is a secret fact, opened at send time.
const cipher = createCodeCipher(config.secretKey);
const prebuilt: OutgoingMessage = {
  id: 0,
  from: config.mailFrom,
  to: 'anna.schmidt@example.com',
  ...templates.email('request-received', 'en', sample),
  messageId: `<${randomBytes(16).toString('hex')}@localhost>`,
  headers: {},
};

/**
 * `count` acknowledgement emails at the email worker's concurrency over one SMTP pool: stored
 * and sent by the desk (queueEmail, then sendEmail: claim, render, record, send, mark sent), or
 * one prebuilt message sent as it is (the baseline).
 */
async function emailRound(side: 'desk' | 'baseline', count: number) {
  let next = 0;
  const one = async (i: number) => {
    if (side === 'baseline') return transport.send({ ...prebuilt, id: i });
    // One statement stores the email with its job, atomic by itself, as intake does.
    const { statusUrl, ...facts } = sample;
    const emailId = await queueEmail(db, config, {
      requestId: null,
      template: 'request-received',
      locale: 'en',
      to: `customer${i}@example.com`,
      facts: { ...facts, name: `Customer ${i}` },
      secrets: { statusUrl: statusLinkSecret(statusUrl) },
    });
    await sendEmail({ db, transport, from: config.mailFrom, templates, cipher }, emailId, false);
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency.email }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return { ms: performance.now() - started, emails: count };
}

async function run(command: HostCommand): Promise<HostResults[HostCommand['op']]> {
  switch (command.op) {
    case 'query':
      return db.query(command.sql, command.params);
    case 'exec':
      await db.exec(command.sql);
      return null;
    case 'user': {
      const email = `bench.${randomBytes(4).toString('hex')}@desk.test`;
      const password = `pw-${randomBytes(12).toString('base64url')}`;
      const user = await addUser(
        db,
        { email, role: 'technician', password },
        { actor: 'cli', address: null },
      );
      const { token } = await createOwnToken(db, user, { label: 'bench', expiresInDays: 90 }, null);
      return { email, password, token };
    }
    case 'workers':
      if (command.on && !workers) workers = startWorkers(base);
      if (!command.on && workers) {
        await workers.stop();
        workers = undefined;
      }
      return null;
    case 'match-round':
      return matchRound(command.side, command.requestIds);
    case 'email-round':
      return emailRound(command.side, command.count);
    case 'rss':
      return { rss: process.memoryUsage().rss, peakRss: process.resourceUsage().maxRSS * 1024 };
  }
}

process.on('message', (message: HostRequest) => {
  run(message.command).then(
    (result) => process.send!({ id: message.id, ok: true, result } satisfies HostReply),
    (error: unknown) =>
      process.send!({
        id: message.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies HostReply),
  );
});

// The bench closing the channel (or dying) stops the host.
process.on('disconnect', () => {
  void (async () => {
    await workers?.stop();
    await web.stop();
    transport.close();
    redis.disconnect();
    await db.close();
    process.exit(0);
  })();
});

process.send!({
  ready: true,
  port: web.port,
  concurrency,
  queuePrefix: base.queuePrefix,
} satisfies HostHello);
