import { Router } from 'express';
import { currentUser } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { markReadBody, notificationsQuery, parseOr422 } from './notifications.schema.ts';
import { markNotificationsRead, notificationsPage, unreadCount } from './notifications.service.ts';

/**
 * `GET /api/v1/notifications` and `POST /api/v1/notifications/read`, at their paths under
 * /api/v1, behind the API token check of src/http/api.ts: always the token's own user's.
 */
export function notificationApiRoutes(deps: WebDeps): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const query = parseOr422(notificationsQuery, req.query, 'query');
    const page = await notificationsPage(deps.db, currentUser(res), {
      cursor: query.cursor,
      unreadOnly: query.unread,
      limit: query.limit,
    });
    res.set('Cache-Control', 'no-store').json(page);
  });

  router.post('/notifications/read', async (req, res) => {
    const body = parseOr422(markReadBody, req.body, 'body');
    const user = currentUser(res);
    const marked = await markNotificationsRead(deps.db, user, 'all' in body ? 'all' : body.ids);
    res.json({ marked, unread_count: await unreadCount(deps.db, user) });
  });

  return router;
}
