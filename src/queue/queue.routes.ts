import { Router } from 'express';
import { currentUser } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { parseQueueQuery } from './queue.schema.ts';
import { InvalidQueryError, queuePage } from './queue.service.ts';
import type { StatusCountsCache } from './status-counts.ts';

/**
 * `GET /api/v1/tickets?status=&verdict=&flag=&owner=&overdue=&q=&cursor=&limit=`, at its path under
 * /api/v1; mounted behind the API token check by src/http/api.ts.
 */
export function queueApiRoutes(deps: WebDeps, counts: StatusCountsCache): Router {
  const router = Router();
  router.get('/tickets', async (req, res) => {
    const query = parseQueueQuery(req.query, (m) => new InvalidQueryError(m));
    const page = await queuePage(deps.db, counts, query, currentUser(res).id);
    res.set('Cache-Control', 'no-store').json(page);
  });
  return router;
}
