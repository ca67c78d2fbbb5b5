// `npm start`: web, workers and outbox relay in one process, on the embedded defaults.
// The one place in src/ that reaches into workers/: it is the entry point that composes both.
import { startWorkers } from '../workers/index.ts';
import { startWeb } from './http/server.ts';
import { createLogger } from './logger.ts';
import { loadConfigOrExit, locateRedis, openDatabase, QUEUE_PREFIX, stopOnSignals } from './runtime.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
try {
  const { url, privateServer } = await locateRedis(config, logger, true);
  const db = await openDatabase(config, logger);
  const base = { config, logger, db, redisUrl: url, queuePrefix: QUEUE_PREFIX };
  const workers = startWorkers(base);
  const web = await startWeb(base);
  logger.info(`Recovery Desk is ready: ${config.publicUrl}/recover`);
  stopOnSignals(logger, async () => {
    await web.stop();
    await workers.stop();
    await db.close();
    await privateServer?.stop();
  });
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'cannot start');
  process.exit(1);
}
