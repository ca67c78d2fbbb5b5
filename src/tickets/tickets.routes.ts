import { Router } from 'express';
import type { WebDeps } from '../deps.ts';
import { getTicket } from './tickets.service.ts';

/** `GET /api/v1/tickets/:reference`, at its path under /api/v1; mounted behind the API token check by src/http/api.ts. */
export function ticketRoutes(deps: WebDeps): Router {
  const router = Router();

  router.get('/tickets/:reference', async (req, res) => {
    const ticket = await getTicket(deps, req.params.reference);
    res.set('Cache-Control', 'no-store').json(ticket);
  });

  return router;
}
