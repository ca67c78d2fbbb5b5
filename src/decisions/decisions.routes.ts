import { Router, type ErrorRequestHandler } from 'express';
import { currentUser } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import {
  approvalVerdictSchema,
  assignSchema,
  claimSchema,
  parseIdempotencyKey,
  parseOrThrow,
} from './decisions.schema.ts';
import { approve, pendingApprovals, rejectApproval } from './approvals.service.ts';
import { assignTicket, claimTicket, releaseTicket } from './claims.service.ts';
import { bulkAct } from './bulk.service.ts';
import { decide, type DecisionOutcome } from './decisions.service.ts';
import { RuleBrokenError } from './rules.ts';

function approvalId(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new NotFoundError('No approval has this id.');
  return Number(value);
}

/**
 * Claims, decisions and approvals of the technician API (README, Decisions), at paths under
 * /api/v1; mounted behind the API token check by src/http/api.ts.
 */
export function decisionRoutes(deps: WebDeps): Router {
  const router = Router();

  router.post('/tickets/:reference/claim', async (req, res) => {
    const { takeover } = parseOrThrow(claimSchema, req.body);
    res.json(await claimTicket(deps, currentUser(res), req.params.reference, { takeover }));
  });

  router.post('/tickets/:reference/release', async (req, res) => {
    res.json(await releaseTicket(deps, currentUser(res), req.params.reference));
  });

  router.post('/tickets/:reference/assign', async (req, res) => {
    const { to } = parseOrThrow(assignSchema, req.body);
    res.json(await assignTicket(deps, currentUser(res), req.params.reference, to));
  });

  // Each request answers for itself: 200 with one result per reference, refused ones included.
  router.post('/tickets/bulk', async (req, res) => {
    const key = parseIdempotencyKey(req.get('idempotency-key'));
    const results = await bulkAct(deps, currentUser(res), req.body, key);
    const done = results.filter((r) => r.outcome === 'done').length;
    res.json({ done, refused: results.length - done, results });
  });

  router.post('/tickets/:reference/decisions', async (req, res) => {
    const key = parseIdempotencyKey(req.get('idempotency-key'));
    const answer = answerOf(await decide(deps, currentUser(res), req.params.reference, req.body, key));
    res.status(answer.status).json(answer.body);
  });

  router.get('/approvals', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ approvals: await pendingApprovals(deps, currentUser(res)) });
  });

  router.post('/approvals/:id/approve', async (req, res) => {
    res.json(await approve(deps, currentUser(res), approvalId(req.params.id)));
  });

  router.post('/approvals/:id/reject', async (req, res) => {
    const { note } = parseOrThrow(approvalVerdictSchema, req.body);
    res.json(await rejectApproval(deps, currentUser(res), approvalId(req.params.id), note));
  });

  router.use(withSuggestion);
  return router;
}

/** A decision's outcome as the API answers it: 200 when done, 202 when it waits for a supervisor or the licensing system. */
function answerOf(outcome: DecisionOutcome): { status: 200 | 202; body: Record<string, unknown> } {
  const { reference } = outcome;
  switch (outcome.kind) {
    case 'code_sent':
      return {
        status: 200,
        body: {
          reference,
          status: 'resolved',
          decision: 'reissue',
          mode: outcome.mode,
          sent_to: outcome.sentTo,
          requester_notified: outcome.requesterNotified,
        },
      };
    case 'pending_approval':
      return {
        status: 202,
        body: { approval_id: outcome.approvalId, status: 'pending_approval', reference },
      };
    case 'question_sent':
      return { status: 200, body: { reference, status: 'waiting_on_customer' } };
    case 'rejected':
      return { status: 200, body: { reference, status: 'rejected', reason: outcome.reason } };
    case 'waiting_for_authority':
      return {
        status: 202,
        body: {
          reference,
          status: 'pending_approval',
          decision: 'reissue',
          mode: 'replace',
          waiting_for: 'licence_authority',
        },
      };
    default: {
      const unknown: never = outcome;
      throw new Error(`no API answer for the outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * A broken rule with a way out answers like any 409, plus `suggested`: the decision body that
 * would do instead (an expired licence's renewal offer, say), ready to post.
 */
const withSuggestion: ErrorRequestHandler = (error, _req, res, next) => {
  if (!(error instanceof RuleBrokenError) || !error.suggested || res.headersSent) return next(error);
  res.status(error.status).json({ error: error.code, message: error.message, suggested: error.suggested });
};
