import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.ts';

/**
 * Redis connections by use. `worker` waits for Redis however long it is gone (BullMQ
 * workers need that); `client` fails fast, so a web request never hangs on Redis.
 */
export function connectRedis(url: string, use: 'worker' | 'client', logger?: Logger): Redis {
  const options: RedisOptions =
    use === 'worker'
      ? { maxRetriesPerRequest: null }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 };
  const redis = new Redis(url, { ...options, retryStrategy: (times) => Math.min(times * 200, 2_000) });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger?.warn({ err: error, use }, 'Redis connection lost; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger?.info({ use }, 'Redis connection restored');
    down = false;
  });
  return redis;
}

/** One question to whatever Redis answers at `url`, on a short-lived connection; `none` if nothing does. */
async function askRedis<T>(
  url: string,
  timeoutMs: number,
  question: (redis: Redis) => Promise<T>,
  none: T,
): Promise<T> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await question(redis);
  } catch {
    return none;
  } finally {
    redis.disconnect();
  }
}

/** Whether something answers PING at `url` within `timeoutMs`. */
export function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  return askRedis(url, timeoutMs, async (redis) => (await redis.ping()) === 'PONG', false);
}

/** The process id of the Redis answering at `url` (from INFO server), or undefined when none does. */
export function redisProcessId(url: string, timeoutMs = 1_000): Promise<number | undefined> {
  return askRedis(
    url,
    timeoutMs,
    async (redis) => {
      const pid = /^process_id:(\d+)/m.exec(await redis.info('server'))?.[1];
      return pid === undefined ? undefined : Number(pid);
    },
    undefined,
  );
}
