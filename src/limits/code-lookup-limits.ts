import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { consumeOrStepAside } from './consume.ts';
import { clientAddressKey } from '../identifiers/network.ts';
import type { Logger } from '../logger.ts';

export interface CodeLookupLimits {
  /** Counts one lookup from a client address, valid or not; seconds to wait when over the limit, else null. */
  consumeAddress(clientIp: string): Promise<number | null>;
  /**
   * Counts one valid lookup of a mailbox (already normalised), whether or not any purchase belongs
   * to it: the limit answers alike for every address, so it tells nothing. Seconds to wait, or null.
   */
  consumeMailbox(mailbox: string): Promise<number | null>;
}

interface Limit {
  lookups: number;
  windowSeconds: number;
}

/** SPEC §13: 10 lookups an hour per client address (IPv6 by /64), 3 a day per mailbox. */
export const CODE_LOOKUP_LIMITS: { perAddress: Limit; perMailbox: Limit } = {
  perAddress: { lookups: 10, windowSeconds: 3600 },
  perMailbox: { lookups: 3, windowSeconds: 86400 },
};

/**
 * "Email me my codes" limits, counted in Redis. Like the intake limits they step aside when Redis
 * cannot be reached: the mailbox still gets at most what its purchases hold, at its own address.
 */
export function createCodeLookupLimits(
  redis: Redis,
  options: { prefix: string; logger: Logger } & Partial<typeof CODE_LOOKUP_LIMITS>,
): CodeLookupLimits {
  const limiter = (name: string, limit: Limit) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${options.prefix}:code-lookup:${name}`,
      points: limit.lookups,
      duration: limit.windowSeconds,
    });
  const perAddress = limiter('ip', options.perAddress ?? CODE_LOOKUP_LIMITS.perAddress);
  const perMailbox = limiter('mailbox', options.perMailbox ?? CODE_LOOKUP_LIMITS.perMailbox);

  const consume = (which: RateLimiterRedis, key: string) =>
    consumeOrStepAside(
      which,
      key,
      options.logger,
      'code lookup limits unavailable (Redis); accepting the lookup',
    );

  return {
    consumeAddress: (clientIp) => consume(perAddress, clientAddressKey(clientIp)),
    consumeMailbox: (mailbox) => consume(perMailbox, mailbox),
  };
}
