import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logger.ts';

export interface StatusTokenLimits {
  /** Seconds to wait when this client address has guessed wrong too often, else null. */
  blockedFor(clientIp: string): Promise<number | null>;
  /** Counts one wrong reference or token from this client address. */
  wrong(clientIp: string): Promise<void>;
}

/** Wrong status tokens allowed per client address in the window before it is refused (429). */
export const STATUS_TOKEN_LIMIT = { wrong: 30, windowSeconds: 600 };

/**
 * Guessing status tokens (or references) is limited per client address, counted in Redis. Right
 * tokens cost nothing. Like the intake limits, these step aside when Redis cannot be reached:
 * a customer's own page does not go dark because our cache is down.
 */
export function createStatusTokenLimits(
  redis: Redis,
  options: { prefix: string; logger: Logger; wrong?: number; windowSeconds?: number },
): StatusTokenLimits {
  const points = options.wrong ?? STATUS_TOKEN_LIMIT.wrong;
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${options.prefix}:status-token:ip`,
    points,
    duration: options.windowSeconds ?? STATUS_TOKEN_LIMIT.windowSeconds,
  });
  const unavailable = (error: unknown) =>
    options.logger.warn({ err: error }, 'status token limits unavailable (Redis); not counting');
  return {
    async blockedFor(clientIp) {
      try {
        const state = await limiter.get(clientIp);
        return state && state.consumedPoints >= points
          ? Math.max(1, Math.ceil(state.msBeforeNext / 1000))
          : null;
      } catch (error) {
        unavailable(error);
        return null;
      }
    },
    async wrong(clientIp) {
      try {
        await limiter.consume(clientIp);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) unavailable(error);
      }
    },
  };
}
