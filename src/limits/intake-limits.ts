import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { consumeOrStepAside } from './consume.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { clientAddressKey } from '../identifiers/network.ts';
import type { Logger } from '../logger.ts';

export interface IntakeLimits {
  /**
   * Counts one attempt from a client address, accepted or refused: an attacker's refused 5 MB
   * uploads cost as much as filed requests. Returns seconds to wait when over the limit, else null.
   */
  consumeAddress(clientIp: string): Promise<number | null>;
  /** Counts one valid request for a mailbox (the same inbox however written); seconds to wait, or null. */
  consumeMailbox(email: string): Promise<number | null>;
}

/**
 * Requests per client address per hour (IPv6 by /64) and per mailbox per day, counted in Redis.
 * When Redis cannot be reached the limits step aside: a customer is never turned away because
 * our cache is down.
 */
export function createIntakeLimits(
  redis: Redis,
  options: { prefix: string; perIp: number; perEmail: number; logger: Logger },
): IntakeLimits {
  const limiter = (name: string, points: number, duration: number) =>
    points > 0
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${options.prefix}:intake:${name}`,
          points,
          duration,
        })
      : undefined;
  const perAddress = limiter('ip', options.perIp, 3600);
  const perMailbox = limiter('email', options.perEmail, 86400);

  const consume = (which: RateLimiterRedis | undefined, key: string) =>
    consumeOrStepAside(
      which,
      key,
      options.logger,
      'intake limits unavailable (Redis); accepting the request',
    );

  return {
    consumeAddress: (clientIp) => consume(perAddress, clientAddressKey(clientIp)),
    consumeMailbox: (email) => consume(perMailbox, normaliseMailbox(email)),
  };
}
