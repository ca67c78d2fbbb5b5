import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import type { WebDeps } from '../../src/deps.ts';
import { createApp } from '../../src/http/app.ts';
import { buildWebDeps } from '../../src/http/server.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { RedisServer } from '../../src/redis/redis-server.ts';
import type { Base } from '../../src/runtime.ts';
import { startWorkers, type Workers } from '../../workers/index.ts';
import { freshDatabase, type TestDatabase } from './database.ts';
import { SmtpSink } from './smtp.ts';

export interface TestDesk {
  app: Express;
  base: Base;
  web: WebDeps;
  workers: Workers | undefined;
  redis: RedisServer;
  smtp: SmtpSink;
  database: TestDatabase;
  dataDir: string;
  /** Stops the desk, then whatever it started for itself (not what it was given). */
  stop(): Promise<void>;
}

export interface DeskOptions {
  env?: Record<string, string>;
  /** Run the job workers in-process (default true). */
  workers?: boolean;
  redis?: RedisServer;
  smtp?: SmtpSink;
  database?: TestDatabase;
  /**
   * Where the desk's log lines go instead of stdout (set `env.LOG_LEVEL` for their level): the
   * desk's own logger, redaction and all, writing to this stream.
   */
  logDestination?: { write(line: string): void };
}

/** A whole desk on real parts: a private redis-server, a fresh database, a real SMTP server. */
export async function startDesk(options: DeskOptions = {}): Promise<TestDesk> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rd-test-'));
  const redis = options.redis ?? (await RedisServer.start({ dir: path.join(dataDir, 'redis') }));
  const smtp = options.smtp ?? (await SmtpSink.start());
  const database = options.database ?? (await freshDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    PUBLIC_URL: 'http://desk.test',
    DATA_DIR: dataDir,
    REDIS_URL: redis.url,
    SMTP_URL: smtp.url,
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Instant recovery would resolve the strong requests most tests decide by hand; its own
    // tests (test/instant-recovery.*.test.ts) set AUTO_RESEND=strong.
    AUTO_RESEND: 'off',
    ...options.env,
  });
  const base: Base = {
    config,
    logger: withDestination(createLogger(config.logLevel), options.logDestination),
    db: database.db,
    redisUrl: redis.url,
    queuePrefix: `t${randomBytes(4).toString('hex')}`,
  };
  const workers = options.workers === false ? undefined : startWorkers(base);
  const web = buildWebDeps(base);
  // The web side's client fails fast until connected; tests start once it is.
  if (web.redis.status !== 'ready') await once(web.redis, 'ready');
  return {
    app: createApp(web),
    base,
    web,
    workers,
    redis,
    smtp,
    database,
    dataDir,
    async stop() {
      await workers?.stop();
      await web.relay.stop();
      await web.queues.close();
      web.redis.disconnect();
      if (!options.database) await database.drop();
      if (!options.smtp) await smtp.stop();
      if (!options.redis) await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Points the logger (and the children it makes later, which inherit it) at another stream. */
function withDestination(logger: Logger, destination: DeskOptions['logDestination']): Logger {
  if (destination) (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = destination;
  return logger;
}

let counter = 0;

/** A valid recovery request; each call has its own email address. */
export function validRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    email: `customer${counter}.${randomBytes(3).toString('hex')}@example.com`,
    name: 'Quentin Kumar',
    license_number: '84f3 e32248 c1e89af9',
    license_key: '',
    order_number: 'ES-2023-29324734',
    channel: 'estore',
    store: 'Online Store UK',
    country: 'GB',
    purchased_on: '2024-10-31',
    reason: 'lost',
    desired_outcome: 'recover_code',
    details: 'I reinstalled Windows and lost the code.',
    ...overrides,
  };
}
