import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { clientAddressKey } from '../identifiers/network.ts';

/** What sign-in failures are counted by (README "Security"). */
export const THROTTLE_SCOPES = ['pair', 'address', 'account'] as const;
export type ThrottleScope = (typeof THROTTLE_SCOPES)[number];

export interface SignInLimitOptions {
  prefix: string;
  /** Failures count within a window that starts at the first one. */
  windowSeconds: number;
  /** How long a pair or an address is paused once it reaches its limit. */
  pauseSeconds: number;
  /** One account from one client address: slowed, then paused for that pair only. */
  pair: { slowAfter: number; pauseAfter: number };
  /** One client address across accounts (an office shares one, so later and higher). */
  address: { slowAfter: number; pauseAfter: number };
  /** One account from every address: slowed, never paused, so a stranger cannot lock it. */
  account: { slowAfter: number };
  /** Delay added per attempt beyond slowAfter, up to maxDelayMs. */
  slowDownMs: number;
  maxDelayMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: Omit<SignInLimitOptions, 'prefix'> = {
  windowSeconds: 15 * 60,
  pauseSeconds: 15 * 60,
  pair: { slowAfter: 2, pauseAfter: 5 },
  address: { slowAfter: 10, pauseAfter: 30 },
  account: { slowAfter: 5 },
  slowDownMs: 1_000,
  maxDelayMs: 3_000,
};

/** An attempt counted before its password is checked; hand it back as failed or succeeded. */
export interface SignInAttempt {
  readonly keys: Record<ThrottleScope, string>;
  /** This attempt's place in each count (1 = the first within the window). */
  readonly ordinal: Record<ThrottleScope, number>;
}

export type SignInStart =
  { paused: true; seconds: number } | { paused: false; delayMs: number; attempt: SignInAttempt };

/** A limit this failure reached: a pause (pair, address), or the account's slow-down. */
export interface Throttled {
  scope: ThrottleScope;
  pausedSeconds: number | null;
}

export interface SignInLimits {
  /** Refuses a paused pair or address; otherwise counts the attempt and says how long to hold it. */
  begin(account: string, clientAddress: string): Promise<SignInStart>;
  /** The password was wrong: pauses what reached its limit, and says what did. */
  failed(attempt: SignInAttempt): Promise<Throttled[]>;
  /** The password was right: the pair starts afresh; the attempt no longer counts elsewhere. */
  succeeded(attempt: SignInAttempt): Promise<void>;
}

/**
 * Sign-in attempts counted in Redis per (account, address) pair, per client address
 * (clientAddressKey: IPv6 by /64) and per account. Accounts are keyed by the address as typed
 * (lower-cased), whether or not a user has it, so a pause says nothing about which accounts exist.
 * Attempts are counted before the password is checked, so parallel guesses cannot slip past a
 * limit while the first ones are still hashing. Unlike the intake limits these do not step aside
 * when Redis is down: the console's sessions live there too, so sign-in could not work anyway.
 */
export function createSignInLimits(redis: Redis, options: SignInLimitOptions): SignInLimits {
  const limiter = (scope: ThrottleScope, points: number) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${options.prefix}:sign-in:${scope}`,
      points,
      duration: options.windowSeconds,
    });
  const pausing = { pair: options.pair, address: options.address } as const;
  const limiters: Record<ThrottleScope, RateLimiterRedis> = {
    pair: limiter('pair', options.pair.pauseAfter),
    address: limiter('address', options.address.pauseAfter),
    account: limiter('account', Number.MAX_SAFE_INTEGER),
  };
  const slowAfter: Record<ThrottleScope, number> = {
    pair: options.pair.slowAfter,
    address: options.address.slowAfter,
    account: options.account.slowAfter,
  };
  const delayFor = (ordinal: Record<ThrottleScope, number>) =>
    Math.max(
      ...THROTTLE_SCOPES.map((scope) =>
        Math.min(Math.max(0, ordinal[scope] - slowAfter[scope]) * options.slowDownMs, options.maxDelayMs),
      ),
    );

  return {
    async begin(account, clientAddress) {
      const address = clientAddressKey(clientAddress);
      const keys = { pair: `${account}|${address}`, address, account };
      // A paused pair or address costs two reads, and no count grows while it waits.
      for (const scope of ['pair', 'address'] as const) {
        const state = await limiters[scope].get(keys[scope]);
        if (state && state.consumedPoints >= pausing[scope].pauseAfter)
          return { paused: true, seconds: wait(state) };
      }
      const ordinal = { pair: 0, address: 0, account: 0 };
      for (const scope of THROTTLE_SCOPES) {
        const state = await limiters[scope].penalty(keys[scope], 1);
        ordinal[scope] = state.consumedPoints;
        // Attempts that raced past the last allowed one wait like the pause that follows it.
        if (scope !== 'account' && state.consumedPoints > pausing[scope].pauseAfter)
          return { paused: true, seconds: options.pauseSeconds };
      }
      return { paused: false, delayMs: delayFor(ordinal), attempt: { keys, ordinal } };
    },
    async failed({ keys, ordinal }) {
      const reached: Throttled[] = [];
      for (const scope of ['pair', 'address'] as const) {
        if (ordinal[scope] !== pausing[scope].pauseAfter) continue;
        await limiters[scope].block(keys[scope], options.pauseSeconds);
        reached.push({ scope, pausedSeconds: options.pauseSeconds });
      }
      if (ordinal.account === options.account.slowAfter)
        reached.push({ scope: 'account', pausedSeconds: null });
      return reached;
    },
    async succeeded({ keys }) {
      // Not cleared for the address (others may share it) nor the account (a stranger may be at
      // it from elsewhere): only this attempt is taken back.
      await limiters.pair.delete(keys.pair);
      await limiters.address.reward(keys.address, 1);
      await limiters.account.reward(keys.account, 1);
    },
  };
}

function wait(state: RateLimiterRes): number {
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}
