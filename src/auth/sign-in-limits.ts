import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

export interface SignInLimitOptions {
  prefix: string;
  /** Failed sign-ins per account (known or not) within the window before it is locked. */
  perAccount: number;
  /** Failed sign-ins from one client address, across accounts, before it is locked. */
  perAddress: number;
  windowSeconds: number;
  lockSeconds: number;
  /** Failures answered at full speed before each next one is slowed: an address is shared by an office. */
  slowDownAfter: { account: number; address: number };
  /** Added delay per failure beyond slowDownAfter. */
  slowDownMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: Omit<SignInLimitOptions, 'prefix'> = {
  perAccount: 5,
  perAddress: 30,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
  slowDownAfter: { account: 2, address: 10 },
  slowDownMs: 1_000,
};

export interface SignInLimits {
  /** Seconds until the account or the address may try again, or null if neither is locked. */
  lockedFor(email: string, clientAddress: string): Promise<number | null>;
  /** Counts a failure; says how long to hold the answer, and whether it has now locked. */
  failed(email: string, clientAddress: string): Promise<{ delayMs: number; lockedFor: number | null }>;
  /** A good sign-in clears the account's failures (not the address's: others may share it). */
  succeeded(email: string): Promise<void>;
}

/**
 * Failed sign-ins counted in Redis, per account and per client address. Accounts are keyed by
 * the address as typed (lower-cased), whether or not a user has it, so a lock-out says nothing
 * about which accounts exist. Unlike the intake limits these do not step aside when Redis is
 * down: the console's sessions live there too, so sign-in could not work anyway.
 */
export function createSignInLimits(redis: Redis, options: SignInLimitOptions): SignInLimits {
  const limiter = (name: string, points: number) => ({
    points,
    limiter: new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${options.prefix}:sign-in:${name}`,
      points,
      duration: options.windowSeconds,
    }),
  });
  const account = { ...limiter('account', options.perAccount), slowAfter: options.slowDownAfter.account };
  const address = { ...limiter('address', options.perAddress), slowAfter: options.slowDownAfter.address };
  const keys = (email: string, clientAddress: string) =>
    [
      [account, email.trim().toLowerCase()],
      [address, clientAddress],
    ] as const;

  return {
    async lockedFor(email, clientAddress) {
      let seconds: number | null = null;
      for (const [{ limiter, points }, key] of keys(email, clientAddress)) {
        const state = await limiter.get(key);
        if (state && state.consumedPoints >= points) seconds = Math.max(seconds ?? 0, wait(state));
      }
      return seconds;
    },
    async failed(email, clientAddress) {
      let delayMs = 0;
      let lockedFor: number | null = null;
      for (const [{ limiter, points, slowAfter }, key] of keys(email, clientAddress)) {
        const state = await limiter.penalty(key, 1);
        if (state.consumedPoints >= points) {
          await limiter.block(key, options.lockSeconds);
          lockedFor = Math.max(lockedFor ?? 0, options.lockSeconds);
        }
        const beyond = state.consumedPoints - slowAfter;
        delayMs = Math.max(delayMs, Math.min(beyond, 3) * options.slowDownMs);
      }
      return { delayMs: lockedFor === null ? delayMs : 0, lockedFor };
    },
    async succeeded(email) {
      await account.limiter.delete(email.trim().toLowerCase());
    },
  };
}

function wait(state: RateLimiterRes): number {
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}
