// `npm run start:worker`: the job workers and an outbox relay, for production beside `npm run start:web`.
import { startInboundTransports } from '../src/inbound/inbound-transports.ts';
import { createLogger } from '../src/logger.ts';
import {
  loadConfigOrExit,
  locateRedis,
  openDatabase,
  exitAsCannotStart,
  queuePrefixOf,
  stopOnSignals,
} from '../src/runtime.ts';
import { startWorkers } from './index.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config, logger).catch(exitAsCannotStart(logger));
const { url } = await locateRedis(config, logger, false);
const workers = startWorkers({ config, logger, db, redisUrl: url, queuePrefix: await queuePrefixOf(db) });
// Mail is taken only once the workers run; on SIGTERM it stops first (no 250 after the pool closes).
const inbound = await startInboundTransports(config, db, logger, () => workers.deps.relay.wake()).catch(
  exitAsCannotStart(logger),
);
stopOnSignals(logger, async () => {
  await inbound.stop();
  await workers.stop();
  await db.close();
});
