import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logger.ts';

export interface IntakeLimits {
  /** Counts one accepted request; returns seconds to wait when over a limit, else null. */
  consume(clientIp: string, email: string): Promise<number | null>;
}

/**
 * Requests per client address per hour and per email address per day, counted in Redis.
 * When Redis cannot be reached the limits step aside: a customer is never turned away
 * because our cache is down.
 */
export function createIntakeLimits(
  redis: Redis,
  options: { prefix: string; perIp: number; perEmail: number; logger: Logger },
): IntakeLimits {
  const limiters = [
    options.perIp > 0 && {
      name: 'ip',
      limiter: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${options.prefix}:intake:ip`,
        points: options.perIp,
        duration: 3600,
      }),
    },
    options.perEmail > 0 && {
      name: 'email',
      limiter: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${options.prefix}:intake:email`,
        points: options.perEmail,
        duration: 86400,
      }),
    },
  ].filter((l) => l !== false);

  return {
    async consume(clientIp, email) {
      const keys: Record<string, string> = { ip: clientIp, email: email.trim().toLowerCase() };
      for (const { name, limiter } of limiters) {
        try {
          await limiter.consume(keys[name]!);
        } catch (error) {
          if (error instanceof RateLimiterRes) return error.msBeforeNext / 1000;
          options.logger.warn({ err: error }, 'intake limits unavailable (Redis); accepting the request');
          return null;
        }
      }
      return null;
    },
  };
}
