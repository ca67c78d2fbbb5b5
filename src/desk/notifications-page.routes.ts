import { Router, type Request, type Response } from 'express';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import { setFlash } from '../auth/session.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { NOTIFICATION_KINDS } from '../notifications/notification-kinds.ts';
import { notificationsQuery, parseOr422, preferencesForm } from '../notifications/notifications.schema.ts';
import {
  markNotificationsRead,
  notificationsPage,
  openOwnNotification,
  preferencesOf,
  savePreferences,
} from '../notifications/notifications.service.ts';
import { renderDeskPage } from './desk-page.ts';
import { notificationView } from './notifications-page.view.ts';
import { pathId } from './request-page.schema.ts';

const PAGE = '/desk/notifications';

/**
 * /desk/notifications: the signed-in user's notifications (newest first, a page at a time),
 * "mark all read", and their choice per kind of console only or email too. Opening one
 * (GET /desk/notifications/:id) marks it read and goes to its request.
 */
export function notificationsPageRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use(PAGE, requireSession('technician'));

  router.get(PAGE, (req, res) => showPage(deps, req, res));

  router.get(`${PAGE}/:id`, async (req, res) => {
    const id = pathId(String(req.params.id), 'notification');
    const reference = await openOwnNotification(deps.db, currentUser(res), id);
    if (!reference) throw new NotFoundError('You have no notification with this id.');
    res.redirect(303, `/desk/requests/${encodeURIComponent(reference)}`);
  });

  router.post(`${PAGE}/read`, async (req, res) => {
    const marked = await markNotificationsRead(deps.db, currentUser(res), 'all');
    setFlash(req, marked === 1 ? 'Marked 1 notification read.' : `Marked ${marked} notifications read.`);
    res.redirect(303, PAGE);
  });

  router.post(`${PAGE}/preferences`, async (req, res) => {
    const form = parseOr422(preferencesForm, req.body, 'form');
    const choices = NOTIFICATION_KINDS.flatMap((kind) => {
      const choice = form[`email_${kind}`];
      return choice ? [{ kind, email: choice === 'email' }] : [];
    });
    await savePreferences(deps.db, currentUser(res), choices);
    setFlash(req, 'Saved how you are notified.');
    res.redirect(303, `${PAGE}#preferences`);
  });

  return router;
}

async function showPage(deps: WebDeps, req: Request, res: Response): Promise<void> {
  const user = currentUser(res);
  const query = parseOr422(notificationsQuery, req.query, 'query');
  const [page, preferences] = await Promise.all([
    notificationsPage(deps.db, user, { cursor: query.cursor, unreadOnly: query.unread }),
    preferencesOf(deps.db, user),
  ]);
  const filter = query.unread ? '?unread=true' : '';
  renderDeskPage(req, res, deps.templates, 'desk-notifications', {
    title: 'Notifications',
    notifications: page.notifications.map(notificationView),
    unreadCount: page.unread_count,
    unreadOnly: query.unread,
    first: query.cursor === undefined,
    newest: `${PAGE}${filter}`,
    older: page.next_cursor
      ? `${PAGE}?${new URLSearchParams({ ...(query.unread ? { unread: 'true' } : {}), cursor: page.next_cursor }).toString()}`
      : null,
    preferences,
  });
}
