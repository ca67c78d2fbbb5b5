import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logger.ts';

export interface StatusTokenLimits {
  /** Seconds to wait when this client address has guessed wrong too often, else null. */
  blockedFor(clientAddress: string): Promise<number | null>;
  /**
   * Counts one wrong reference or token against the client address and against the reference.
   * Returns the seconds to wait when the reference was already refusing wrong guesses, else null.
   */
  wrong(clientAddress: string, reference: string | null): Promise<number | null>;
}

interface Limit {
  wrong: number;
  windowSeconds: number;
}

/**
 * Wrong status tokens allowed in a window: per client address (then that address is refused,
 * 429, right tokens included) and per reference, from any number of addresses (then wrong tokens
 * for that reference are refused; its right token still opens it).
 */
export const STATUS_TOKEN_LIMITS: { perAddress: Limit; perReference: Limit } = {
  perAddress: { wrong: 30, windowSeconds: 600 },
  perReference: { wrong: 60, windowSeconds: 3600 },
};

/**
 * Guessing status tokens (or references) is limited per client address and per reference,
 * counted in Redis. Right tokens cost nothing. Like the intake limits, these step aside when
 * Redis cannot be reached: a customer's own page does not go dark because our cache is down.
 */
export function createStatusTokenLimits(
  redis: Redis,
  options: { prefix: string; logger: Logger } & Partial<typeof STATUS_TOKEN_LIMITS>,
): StatusTokenLimits {
  const counter = (name: string, limit: Limit) => ({
    points: limit.wrong,
    limiter: new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${options.prefix}:status-token:${name}`,
      points: limit.wrong,
      duration: limit.windowSeconds,
    }),
  });
  const perAddress = counter('ip', options.perAddress ?? STATUS_TOKEN_LIMITS.perAddress);
  const perReference = counter('reference', options.perReference ?? STATUS_TOKEN_LIMITS.perReference);
  const unavailable = (error: unknown) =>
    options.logger.warn({ err: error }, 'status token limits unavailable (Redis); not counting');

  async function blockedFor({ limiter, points }: typeof perAddress, key: string) {
    try {
      const state = await limiter.get(key);
      return state && state.consumedPoints >= points
        ? Math.max(1, Math.ceil(state.msBeforeNext / 1000))
        : null;
    } catch (error) {
      unavailable(error);
      return null;
    }
  }
  async function count({ limiter }: typeof perAddress, key: string) {
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) unavailable(error);
    }
  }

  return {
    blockedFor: (clientAddress) => blockedFor(perAddress, clientAddress),
    async wrong(clientAddress, reference) {
      if (reference === null) {
        await count(perAddress, clientAddress);
        return null;
      }
      // Whether the reference was refusing before this guess, so the guess that reaches the
      // limit still gets its 404, as with the address.
      const wait = await blockedFor(perReference, reference);
      await Promise.all([count(perAddress, clientAddress), count(perReference, reference)]);
      return wait;
    },
  };
}
