import { Router } from 'express';
import { renderDeskPage } from '../desk/desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import { hasRole } from '../auth/roles.ts';
import { consoleTime } from '../time-text.ts';
import type { WebDeps } from '../deps.ts';
import { ForbiddenError } from '../errors.ts';
import { auditPage } from './audit.service.ts';

/**
 * The audit of administration (README "Security"), newest first: the console page for admins
 * (`/desk/admin/audit?cursor=`); `auditApiRoutes` below serves the same to an admin's API token.
 */
export function auditRoutes(deps: WebDeps): Router {
  const router = Router();

  router.get('/desk/admin/audit', requireSession('admin'), async (req, res) => {
    const page = await auditPage(deps.db, req.query.cursor);
    const first = req.query.cursor === undefined || req.query.cursor === '';
    const events = page.events.map((e) => ({ ...e, when: consoleTime(e.at) }));
    renderDeskPage(req, res, deps.templates, 'admin-audit', { title: 'Audit', ...page, events, first });
  });

  return router;
}

/** `GET /api/v1/audit?cursor=`, at its path under /api/v1, behind the API token check of src/http/api.ts. */
export function auditApiRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/audit', async (req, res) => {
    const user = currentUser(res);
    if (!hasRole(user, 'admin'))
      throw new ForbiddenError(`The audit is for admin users; this token is a ${user.role}'s.`);
    res.set('Cache-Control', 'no-store').json(await auditPage(deps.db, req.query.cursor));
  });
  return router;
}
