import { Router } from 'express';
import { renderDeskPage } from '../auth/desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import type { WebDeps } from '../deps.ts';

/** The console's home. For now a placeholder; the queue replaces its body. */
export function deskRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/desk', requireSession(), (req, res) => {
    renderDeskPage(req, res, deps.templates, 'desk-queue', { title: 'Queue' });
  });
  return router;
}
