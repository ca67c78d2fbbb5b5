// `npm run start:web`: the HTTP side alone, for production beside `npm run start:worker`.
import { startWeb } from './http/server.ts';
import { createLogger } from './logger.ts';
import {
  loadConfigOrExit,
  locateRedis,
  openDatabase,
  exitAsCannotStart,
  queuePrefixOf,
  stopOnSignals,
} from './runtime.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config, logger).catch(exitAsCannotStart(logger));
const { url } = await locateRedis(config, logger, false);
const web = await startWeb({ config, logger, db, redisUrl: url, queuePrefix: await queuePrefixOf(db) });
stopOnSignals(logger, async () => {
  await web.stop();
  await db.close();
});
