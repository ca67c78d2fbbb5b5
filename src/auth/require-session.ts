import type { RequestHandler } from 'express';
import { AppError, ForbiddenError } from '../errors.ts';
import { hasRole } from './roles.ts';
import type { Role } from './user.ts';

/**
 * Guards a console route: a signed-in user (res.locals.user, set by deskSession) holding at
 * least one of `roles` or a higher one (see roles.ts); no roles means any signed-in user.
 * Anonymous page visits go to the sign-in page and come back after; anything else gets 401.
 */
export function requireSession(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    const user = res.locals.user;
    if (!user) {
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
        res.redirect(303, `/desk/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      throw new AppError('unauthorized', 401, 'Your session has ended. Sign in again.');
    }
    if (roles.length > 0 && !roles.some((role) => hasRole(user, role))) {
      throw new ForbiddenError(
        `This page is for ${roles.join(' or ')} users; you are signed in as a ${user.role}.`,
      );
    }
    next();
  };
}
