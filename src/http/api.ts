import { Router } from 'express';
import { requireToken } from '../auth/require-token.ts';
import { decisionRoutes } from '../decisions/decisions.routes.ts';
import type { WebDeps } from '../deps.ts';
import { queueApiRoutes } from '../queue/queue.routes.ts';
import type { StatusCountsCache } from '../queue/status-counts.ts';
import { ticketRoutes } from '../tickets/tickets.routes.ts';

/**
 * The technician API, mounted at /api/v1: one API token check for everything under /tickets and
 * /approvals (an unknown path there is a 401 too, without a token), then the queue, one ticket,
 * and claims, decisions and approvals. The customer's /api/v1/recovery-requests and the admins'
 * /api/v1/audit are served elsewhere and pass through.
 */
export function technicianApiRoutes(deps: WebDeps, queueCounts: StatusCountsCache): Router {
  const router = Router();
  router.use(['/tickets', '/approvals'], requireToken(deps));
  router.use(queueApiRoutes(deps, queueCounts));
  router.use(ticketRoutes(deps));
  router.use(decisionRoutes(deps));
  return router;
}
