import { Router } from 'express';
import { currentUser } from '../auth/require-token.ts';
import { hasRole } from '../auth/roles.ts';
import type { WebDeps } from '../deps.ts';
import { ForbiddenError } from '../errors.ts';
import { InvalidPeriodError, parseReportPeriod } from './report-period.schema.ts';
import { reportSummary } from './reports.service.ts';

/**
 * `GET /api/v1/reports/summary?from=&to=` (README "Reports"), behind the API token check of
 * src/http/api.ts: the figures of /desk/reports as JSON, for supervisors and admins.
 */
export function reportApiRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/reports/summary', async (req, res) => {
    const user = currentUser(res);
    if (!hasRole(user, 'supervisor'))
      throw new ForbiddenError(`Reports are for supervisors and admins; this token is a ${user.role}'s.`);
    try {
      const period = parseReportPeriod(req.query, new Date().toISOString().slice(0, 10));
      res.set('Cache-Control', 'no-store').json(await reportSummary(deps.db, period));
    } catch (error) {
      if (!(error instanceof InvalidPeriodError)) throw error;
      res.status(422).json({ error: error.code, message: error.message, fields: error.fields });
    }
  });
  return router;
}
