import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDb, type Db } from './db/db.ts';
import { findDeskInstanceId } from './db/desk-instance.repository.ts';
import { migrate } from './db/migrate.ts';
import { checkKeysOpenStoredData } from './keys/keys.service.ts';
import type { Logger } from './logger.ts';
import { portIsFree, RedisServer, redisServerInstalled } from './redis/redis-server.ts';
import { redisAnswers } from './redis/redis.ts';

/** What every process shares: settings, logs, the database and where Redis is. */
export interface Base {
  config: Config;
  logger: Logger;
  db: Db;
  redisUrl: string;
  queuePrefix: string;
}

/**
 * The prefix of this desk's keys in Redis: `rd-` and the start of the database's own id
 * (desk_instance). Every process on one database agrees on it; desks on other databases differ.
 */
export async function queuePrefixOf(db: Db): Promise<string> {
  const id = await findDeskInstanceId(db);
  if (!id) throw new Error('desk_instance is empty: run the migrations');
  return `rd-${id.replace(/-/g, '').slice(0, 12)}`;
}

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/**
 * Opens the database, brings its schema up to date, and checks that the configured keys open what
 * it stores (a KeyMismatchError naming SECRET_KEY if not; the database is closed again).
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Db> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrate(db);
    await checkKeysOpenStoredData(db, config);
    logger.info({ database: db.kind, applied }, 'database ready');
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** For the entry points: logs why the process cannot start, and exits 1. */
export function exitAsCannotStart(logger: Logger): (error: unknown) => never {
  return (error) => {
    const message = error instanceof Error ? error.message : 'cannot start';
    logger.fatal({ err: error }, message);
    // The log is written asynchronously and exit would drop it: the reason goes to stderr as well.
    process.stderr.write(`${message}\n`);
    process.exit(1);
  };
}

/**
 * Where Redis is. With REDIS_URL unset and nothing answering at the default address, the
 * all-in-one process starts a private redis-server under DATA_DIR (when installed).
 */
export async function locateRedis(
  config: Config,
  logger: Logger,
  mayStartPrivate: boolean,
): Promise<{ url: string; privateServer?: RedisServer }> {
  if (!config.redisUrlIsDefault || (await redisAnswers(config.redisUrl))) return { url: config.redisUrl };
  if (!mayStartPrivate) {
    logger.warn(`Nothing answers at ${config.redisUrl}; set REDIS_URL. Waiting for Redis…`);
    return { url: config.redisUrl };
  }
  if (!redisServerInstalled()) {
    throw new Error(
      `Nothing answers at ${config.redisUrl} and redis-server is not installed. ` +
        'Install it (apt-get install redis-server, brew install redis) or set REDIS_URL to a running Redis.',
    );
  }
  const dir = path.join(config.dataDir, 'redis');
  const privateServer = await RedisServer.start({ dir, persistent: true, port: await rememberedPort(dir) });
  writeFileSync(path.join(dir, 'port'), `${privateServer.port}\n`);
  logger.info({ url: privateServer.url }, 'started a private redis-server under DATA_DIR');
  return { url: privateServer.url, privateServer };
}

/** The private server keeps its port across restarts, so its queued jobs are found again. */
async function rememberedPort(dir: string): Promise<number | undefined> {
  try {
    const port = Number(readFileSync(path.join(dir, 'port'), 'utf8'));
    return Number.isInteger(port) && (await portIsFree(port)) ? port : undefined;
  } catch {
    return undefined;
  }
}

/** On SIGTERM or SIGINT: stop in order, then exit; a second signal or 30 s forces the exit. */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('stop took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
