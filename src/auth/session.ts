import { createHmac } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { Router } from 'express';
import type { WebDeps } from '../deps.ts';
import { RedisSessionStore } from './session-store.ts';
import type { User } from './user.ts';
import { findActiveUser } from './users.service.ts';

declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** When the user signed in (ms since the epoch): a session ends 12 hours after, however busy. */
    signedInAt: number;
    csrfToken: string;
    /** A one-time notice for the next page ("User added."). */
    flash: string;
    /** Lines under that notice (a bulk action's refused requests, each with its reason). */
    flashDetails: string[];
  }
}

export const SESSION_COOKIE = 'rd.sid';
const IDLE_SECONDS = 8 * 3600;
const ABSOLUTE_MS = 12 * 3600 * 1000;

/**
 * The console's session cookie is signed with a key of its own, derived from SECRET_KEY. Cookies
 * signed under a key in SECRET_KEY_PREVIOUS are still accepted (express-session signs with the
 * first secret and checks against all), so a key change signs nobody out.
 */
function cookieKey(secretKey: string): string {
  return createHmac('sha256', secretKey).update('recovery-desk session cookie').digest('base64url');
}

/**
 * Everything under /desk: a server-side session in Redis, and res.locals.user for a signed-in,
 * enabled user. The user is read from the database on every request, so disabling someone, or
 * changing their role, takes effect on their next click.
 */
export function deskSession(deps: WebDeps): Router {
  const router = Router();
  const secure = deps.config.publicUrl.startsWith('https:');
  router.use(
    session({
      name: SESSION_COOKIE,
      secret: [deps.config.secretKey, ...deps.config.secretKeyPrevious].map(cookieKey),
      store: new RedisSessionStore(deps.redis, deps.queues.prefix, {
        signedIn: IDLE_SECONDS,
        anonymous: 3600,
      }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      // Behind a TLS-terminating proxy, its X-Forwarded-Proto says the browser's side is https, so
      // the Secure cookie is still set; believed only from the hops TRUST_PROXY names (express-session
      // asks Express when `proxy` is left unset), never from whoever connects.
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/desk',
        maxAge: IDLE_SECONDS * 1000,
      },
    }),
  );
  router.use(loadSessionUser(deps));
  return router;
}

function loadSessionUser(deps: WebDeps): RequestHandler {
  return async (req, res, next) => {
    // Pages behind a session are someone's own: never kept by a browser or a proxy.
    res.set('Cache-Control', 'no-store');
    const { userId, signedInAt } = req.session;
    if (userId === undefined) return next();
    const user = Date.now() - (signedInAt ?? 0) < ABSOLUTE_MS ? await findActiveUser(deps.db, userId) : null;
    if (user) res.locals.user = { ...user, credential: { kind: 'session', id: req.sessionID } };
    else await regenerate(req); // disabled, removed or expired: signed out from here on
    next();
  };
}

/** Signs the user in on a new session id, so an id planted before sign-in is worth nothing. */
export async function startSession(req: Request, user: User): Promise<void> {
  await regenerate(req);
  req.session.userId = user.id;
  req.session.signedInAt = Date.now();
  await promised((done) => req.session.save(done));
}

/** Deletes the session from Redis and tells the browser to drop its cookie. */
export async function endSession(req: Request, res: Response): Promise<void> {
  await promised((done) => req.session.destroy(done));
  res.clearCookie(SESSION_COOKIE, { path: '/desk' });
}

function regenerate(req: Request): Promise<void> {
  return promised((done) => req.session.regenerate(done));
}

/** express-session's callbacks as a promise. */
function promised(act: (done: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) =>
    act((error) =>
      error
        ? reject(error instanceof Error ? error : new Error('session store failed', { cause: error }))
        : resolve(),
    ),
  );
}

/** Leaves a one-line notice for the next page the user sees. */
export function setFlash(req: Request, message: string, details: string[] = []): void {
  req.session.flash = message;
  if (details.length > 0) req.session.flashDetails = details;
  else delete req.session.flashDetails;
}

/** The notice left for this page, once. */
export function takeFlash(req: Request): { message: string; details: string[] } | undefined {
  const { flash: message, flashDetails: details = [] } = req.session;
  delete req.session.flash;
  delete req.session.flashDetails;
  return message === undefined ? undefined : { message, details };
}
