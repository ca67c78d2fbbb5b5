import type { RequestHandler } from 'express';
import type { WebDeps } from '../deps.ts';
import { unreadCount } from '../notifications/notifications.service.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- @types/express declares res.locals' type here
  namespace Express {
    interface Locals {
      /** The signed-in user's unread notifications, for the bell in the console's header. */
      unreadNotifications?: number;
    }
  }
}

/**
 * The bell's count on every console page: one lookup in a partial index (migration 0021) per
 * request of a signed-in user that may render a page, read by renderDeskPage. Requests that never
 * do (the queue's live stream, Bull Board's JSON polls) are not counted. Mount after deskSession.
 */
export function notificationBell(deps: Pick<WebDeps, 'db'>): RequestHandler {
  return async (req, res, next) => {
    const user = res.locals.user;
    if (user && (req.method !== 'GET' || req.accepts('html') === 'html'))
      res.locals.unreadNotifications = await unreadCount(deps.db, user);
    next();
  };
}

/** The bell's badge: the count, or "99+" (a wider badge would push the header apart on a phone). */
export function bellBadge(count: number | undefined): string {
  if (!count) return '';
  return count > 99 ? '99+' : String(count);
}
