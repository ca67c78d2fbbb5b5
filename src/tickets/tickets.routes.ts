import { Router } from 'express';
import { requireToken } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { getTicket } from './tickets.service.ts';

/** The technician API (README "Decisions"): every route here needs a bearer API token. */
export function ticketRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use('/api/v1/tickets', requireToken(deps));

  router.get('/api/v1/tickets/:reference', async (req, res) => {
    const ticket = await getTicket(deps, req.params.reference);
    res.set('Cache-Control', 'no-store').json(ticket);
  });

  return router;
}
