import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError, ForbiddenError } from '../errors.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- @types/express declares res.locals' type here
  namespace Express {
    interface Locals {
      /** The session's CSRF token, for the `_csrf` hidden field of every console form. */
      csrfToken?: string;
    }
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Synchronizer-token CSRF protection for the console: one random token per session, sent back
 * by every form as the hidden field `_csrf` (or by scripts as the `X-CSRF-Token` header).
 * Safe methods get the token into res.locals for their templates; anything else without the
 * right token is refused before any route runs. The cookie's SameSite=Lax is a second fence,
 * not the only one. Mount after the session, under /desk only: the bearer-token API uses no
 * cookies and so needs none of this.
 *
 * `anonymousPaths` are relative to the mount point (/desk).
 *
 * Forms must be application/x-www-form-urlencoded (the body is parsed before this runs); a
 * multipart form would need the header instead.
 */
export function csrfProtection(
  options: { anonymousPaths: string[] } = { anonymousPaths: ['/sign-in'] },
): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      req.session.csrfToken ??= randomBytes(32).toString('base64url');
      res.locals.csrfToken = req.session.csrfToken;
      return next();
    }
    // Only the sign-in form changes anything for a visitor who is not signed in; everywhere
    // else such a request is told to sign in (401), whatever its token.
    if (!res.locals.user && !options.anonymousPaths.includes(req.path)) {
      throw new AppError('unauthorized', 401, 'Your session has ended. Sign in again.');
    }
    const expected = req.session.csrfToken;
    if (!expected || !tokensEqual(givenToken(req), expected)) {
      throw new ForbiddenError(
        'This form has expired or did not come from the desk. Go back, reload the page and try again.',
      );
    }
    res.locals.csrfToken = expected;
    next();
  };
}

function givenToken(req: Request): string | undefined {
  const body: unknown = req.body;
  const field = body && typeof body === 'object' ? (body as Record<string, unknown>)['_csrf'] : undefined;
  if (typeof field === 'string') return field;
  return req.get('x-csrf-token');
}

function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
