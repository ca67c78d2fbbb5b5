import { Router } from 'express';
import { currentUser, requireToken } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { approvalVerdictSchema, claimSchema, parseIdempotencyKey, parseOrThrow } from './decisions.schema.ts';
import { approve, pendingApprovals, rejectApproval } from './approvals.service.ts';
import { claimTicket, releaseTicket } from './claims.service.ts';
import { decide } from './decisions.service.ts';

function approvalId(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new NotFoundError('No approval has this id.');
  return Number(value);
}

/** Claims, decisions and approvals of the technician API (SPEC §7); every route needs an API token. */
export function decisionRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use('/api/v1/tickets', requireToken(deps));
  router.use('/api/v1/approvals', requireToken(deps));

  router.post('/api/v1/tickets/:reference/claim', async (req, res) => {
    const { takeover } = parseOrThrow(claimSchema, req.body);
    res.json(await claimTicket(deps, currentUser(res), req.params.reference, { takeover }));
  });

  router.post('/api/v1/tickets/:reference/release', async (req, res) => {
    res.json(await releaseTicket(deps, currentUser(res), req.params.reference));
  });

  router.post('/api/v1/tickets/:reference/decisions', async (req, res) => {
    const key = parseIdempotencyKey(req.get('idempotency-key'));
    const answer = await decide(deps, currentUser(res), req.params.reference, req.body, key);
    res.status(answer.httpStatus).json(answer.body);
  });

  router.get('/api/v1/approvals', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ approvals: await pendingApprovals(deps, currentUser(res)) });
  });

  router.post('/api/v1/approvals/:id/approve', async (req, res) => {
    res.json(await approve(deps, currentUser(res), approvalId(req.params.id)));
  });

  router.post('/api/v1/approvals/:id/reject', async (req, res) => {
    const { note } = parseOrThrow(approvalVerdictSchema, req.body);
    res.json(await rejectApproval(deps, currentUser(res), approvalId(req.params.id), note));
  });

  return router;
}
