import type { Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/db.ts';
import { AppError } from '../errors.ts';
import { authenticateToken } from './tokens.service.ts';
import type { AuthenticatedUser } from './user.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- @types/express declares res.locals' type here
  namespace Express {
    interface Locals {
      /** Set by requireToken (API) or deskSession (console) for the routes behind them, with its credential. */
      user?: AuthenticatedUser;
    }
  }
}

export class UnauthorizedError extends AppError {
  constructor(message: string, tokenGiven: boolean) {
    // RFC 6750 §3: a 401 names the scheme, and says when a token was given but is no good.
    super('unauthorized', 401, message, {
      'WWW-Authenticate': tokenGiven ? 'Bearer realm="desk", error="invalid_token"' : 'Bearer realm="desk"',
    });
  }
}

function bearerToken(req: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
}

/** `Authorization: Bearer <api token>` → res.locals.user; anything else → 401. */
export function requireToken(deps: { db: Db }): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedError('This needs an API token: Authorization: Bearer <token>.', false);
    const user = await authenticateToken(deps.db, token);
    // Unknown, revoked, expired and a disabled user's tokens look the same from outside.
    if (!user) throw new UnauthorizedError('The API token is not valid.', true);
    res.locals.user = user;
    next();
  };
}

/** The user requireToken or requireSession let through; a route mounted without either is a bug, not a 401. */
export function currentUser(res: Response): AuthenticatedUser {
  const user = res.locals.user;
  if (!user) throw new Error('currentUser() on a route without requireToken or requireSession');
  return user;
}
