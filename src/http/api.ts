import { Router } from 'express';
import { auditApiRoutes } from '../admin/audit.routes.ts';
import { requireToken } from '../auth/require-token.ts';
import { decisionRoutes } from '../decisions/decisions.routes.ts';
import { macroApiRoutes } from '../decisions/macros.routes.ts';
import type { WebDeps } from '../deps.ts';
import { notificationApiRoutes } from '../notifications/notifications.routes.ts';
import { queueApiRoutes } from '../queue/queue.routes.ts';
import { reportApiRoutes } from '../reports/reports-api.routes.ts';
import type { StatusCountsCache } from '../queue/status-counts.ts';
import { ticketRoutes } from '../tickets/tickets.routes.ts';
import { webhookApiRoutes } from '../webhooks/webhooks.routes.ts';

/**
 * The staff API, mounted at /api/v1: one API token check for everything under /tickets, /approvals,
 * /macros, /audit, /notifications, /reports and /webhooks (an unknown path there is a 401 too, without a token), then
 * the queue, one ticket, claims, decisions and approvals, the macros, the admins' audit, and the
 * token user's notifications, and the reports' figures. The customer's /api/v1/recovery-requests (status tokens, no API
 * token) is served by requests/ and passes through.
 */
export function staffApiRoutes(deps: WebDeps, queueCounts: StatusCountsCache): Router {
  const router = Router();
  router.use(
    ['/tickets', '/approvals', '/macros', '/audit', '/notifications', '/reports', '/webhooks'],
    requireToken(deps),
  );
  router.use(queueApiRoutes(deps, queueCounts));
  router.use(ticketRoutes(deps));
  router.use(decisionRoutes(deps));
  router.use(macroApiRoutes(deps));
  router.use(auditApiRoutes(deps));
  router.use(notificationApiRoutes(deps));
  router.use(reportApiRoutes(deps));
  router.use(webhookApiRoutes(deps));
  return router;
}
