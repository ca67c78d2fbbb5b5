import type { Redis } from 'ioredis';

/** Who else has a request open in the console, and whether they are typing into it. */
export interface Present {
  email: string;
  typing: boolean;
}

export interface Presence {
  /**
   * Records that `email` has the request open (and whether they are typing now), and answers
   * who else has it open. An empty answer while Redis is down: presence is a courtesy, never a lock.
   */
  touch(reference: string, email: string, typing: boolean): Promise<Present[]>;
  /** The page was closed: `email` no longer has it open. */
  leave(reference: string, email: string): Promise<void>;
}

/** A viewer who stops reporting is gone within this time (the page reports every few seconds). */
export const PRESENCE_TTL_MS = 30_000;
/** Typing shows for this long after the last keystroke the page reported. */
export const TYPING_TTL_MS = 10_000;

/**
 * Two sorted sets per request, members scored by when they expire: viewers and typists. Each touch
 * drops the expired members and renews the keys' own expiry, so nothing outlives 30 s of silence.
 */
export function createPresence(redis: Redis, prefix: string): Presence {
  const keys = (reference: string) =>
    [`${prefix}:presence:${reference}:open`, `${prefix}:presence:${reference}:typing`] as const;
  return {
    async touch(reference, email, typing) {
      const [open, typists] = keys(reference);
      const now = Date.now();
      const tx = redis.multi().zadd(open, now + PRESENCE_TTL_MS, email);
      if (typing) tx.zadd(typists, now + TYPING_TTL_MS, email);
      else tx.zrem(typists, email);
      const replies = await tx
        .zremrangebyscore(open, '-inf', String(now))
        .zremrangebyscore(typists, '-inf', String(now))
        .pexpire(open, PRESENCE_TTL_MS)
        .pexpire(typists, PRESENCE_TTL_MS)
        .zrange(open, '0', '-1')
        .zrange(typists, '0', '-1')
        .exec()
        .catch(() => null);
      if (!replies) return [];
      const [viewers, typing_] = replies.slice(-2).map(([, members]) => members as string[]);
      const typingNow = new Set(typing_);
      return (viewers ?? [])
        .filter((other) => other !== email)
        .sort()
        .map((other) => ({ email: other, typing: typingNow.has(other) }));
    },
    async leave(reference, email) {
      const [open, typists] = keys(reference);
      await redis
        .multi()
        .zrem(open, email)
        .zrem(typists, email)
        .exec()
        .catch(() => null);
    },
  };
}
