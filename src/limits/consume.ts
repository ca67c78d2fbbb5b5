import { RateLimiterRes, type RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../logger.ts';

/**
 * Counts one event against a limit (none when `limiter` is undefined): seconds to wait when over
 * it, else null. When Redis cannot be reached the limit steps aside, logged as `whenDown`: a
 * customer is never turned away because our cache is down.
 */
export async function consumeOrStepAside(
  limiter: RateLimiterRedis | undefined,
  key: string,
  logger: Logger,
  whenDown: string,
): Promise<number | null> {
  if (!limiter) return null;
  try {
    await limiter.consume(key);
    return null;
  } catch (error) {
    if (error instanceof RateLimiterRes) return error.msBeforeNext / 1000;
    logger.warn({ err: error }, whenDown);
    return null;
  }
}
