import { Router } from 'express';
import { currentUser, requireToken } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { parseQueueQuery } from './queue.schema.ts';
import { InvalidQueryError, queuePage } from './queue.service.ts';
import type { StatusCountsCache } from './status-counts.ts';

/** `GET /api/v1/tickets?status=&verdict=&flag=&owner=&overdue=&q=&cursor=&limit=` (the queue over the API). */
export function queueApiRoutes(deps: WebDeps, counts: StatusCountsCache): Router {
  const router = Router();
  router.get('/api/v1/tickets', requireToken(deps), async (req, res) => {
    const query = parseQueueQuery(req.query, (m) => new InvalidQueryError(m));
    const page = await queuePage(deps.db, counts, query, currentUser(res).id);
    res.set('Cache-Control', 'no-store').json(page);
  });
  return router;
}
