import session, { type SessionData } from 'express-session';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../errors.ts';

type Callback = (error?: unknown) => void;

/**
 * express-session's store on the desk's own ioredis connection. connect-redis speaks only to
 * node-redis since its version 8, and a second Redis client library for one key per session
 * is not worth it. Sessions are JSON under `<prefix>:sess:<id>`, expiring with their cookie.
 */
export class RedisSessionStore extends session.Store {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttl: { signedIn: number; anonymous: number },
  ) {
    super();
  }

  private key(sid: string): string {
    return `${this.prefix}:sess:${sid}`;
  }

  // A visitor who only opened the sign-in page holds a session for its CSRF token; it need
  // not outlive an hour.
  private seconds(sess: SessionData): number {
    return sess.userId === undefined ? this.ttl.anonymous : this.ttl.signedIn;
  }

  override get(sid: string, done: (error: unknown, sess?: SessionData | null) => void): void {
    this.redis.get(this.key(sid)).then(
      (raw) => done(null, raw ? (JSON.parse(raw) as SessionData) : null),
      (error: unknown) => done(unavailable(error)),
    );
  }

  override set(sid: string, sess: SessionData, done?: Callback): void {
    this.redis.set(this.key(sid), JSON.stringify(sess), 'EX', this.seconds(sess)).then(
      () => done?.(),
      (error: unknown) => done?.(unavailable(error)),
    );
  }

  override touch(sid: string, sess: SessionData, done?: Callback): void {
    this.redis.expire(this.key(sid), this.seconds(sess)).then(
      () => done?.(),
      (error: unknown) => done?.(unavailable(error)),
    );
  }

  override destroy(sid: string, done?: Callback): void {
    this.redis.del(this.key(sid)).then(
      () => done?.(),
      (error: unknown) => done?.(unavailable(error)),
    );
  }
}

// The console cannot work without its sessions; say so as a 503 rather than a bare 500.
function unavailable(error: unknown): UnavailableError {
  return Object.assign(new UnavailableError(), { cause: error });
}
