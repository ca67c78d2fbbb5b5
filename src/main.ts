// `npm start`: web, workers and outbox relay in one process, on the embedded defaults.
// The one place in src/ that reaches into workers/: it is the entry point that composes both.
import { startWorkers } from '../workers/index.ts';
import { startWeb } from './http/server.ts';
import { startInboundTransports } from './inbound/inbound-transports.ts';
import { createLogger } from './logger.ts';
import { loadConfigOrExit, locateRedis, openDatabase, queuePrefixOf, stopOnSignals } from './runtime.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
// What has started, to be stopped in reverse order: on SIGTERM, or when a later part fails to start.
const started: (() => Promise<void>)[] = [];
const stopAll = async () => {
  for (const stop of started.reverse()) await stop();
};

try {
  const { url, privateServer } = await locateRedis(config, logger, true);
  if (privateServer) started.push(() => privateServer.stop());
  const db = await openDatabase(config, logger);
  started.push(() => db.close());
  const base = { config, logger, db, redisUrl: url, queuePrefix: await queuePrefixOf(db) };
  const workers = startWorkers(base);
  started.push(() => workers.stop());
  const inbound = await startInboundTransports(config, db, logger, () => workers.deps.relay.wake());
  started.push(() => inbound.stop());
  const web = await startWeb(base);
  started.push(() => web.stop());
  logger.info(`Recovery Desk is ready: ${config.publicUrl}/recover`);
  stopOnSignals(logger, stopAll);
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'cannot start');
  await stopAll().catch(() => {});
  process.exit(1);
}
