import { Router, type Request, type Response } from 'express';
import { currentUser } from '../auth/require-token.ts';
import { hasRole } from '../auth/roles.ts';
import type { WebDeps } from '../deps.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { InvalidWebhookError, endpointIdParam } from './webhooks.schema.ts';
import {
  allEndpoints,
  createEndpoint,
  deliveryLog,
  endpointOrThrow,
  removeEndpoint,
  sendAgain,
  type Acting,
} from './webhooks.service.ts';
import type { EndpointRow } from './webhooks.repository.ts';

/** The endpoint as the API shows it: never its secret. */
export const endpointJson = (e: EndpointRow) => ({
  id: e.id,
  url: e.url,
  events: e.events,
  description: e.description,
  enabled: e.enabled,
  created_at: e.created_at,
});

/** The admin's API token user, and from where (audited). */
function admin(req: Request, res: Response): Acting {
  const user = currentUser(res);
  if (!hasRole(user, 'admin'))
    throw new ForbiddenError(`Webhooks are managed by admin users; this token is a ${user.role}'s.`);
  return { admin: user, address: req.ip ?? null };
}

export function endpointId(req: Request): number {
  const parsed = endpointIdParam.safeParse(req.params.id);
  if (!parsed.success) throw new NotFoundError('No such webhook endpoint.');
  return parsed.data;
}

/** The `:delivery` of a delivery's address (the same shape as an endpoint's id). */
export function deliveryId(req: Request): number {
  const parsed = endpointIdParam.safeParse(req.params.delivery);
  if (!parsed.success) throw new NotFoundError('No such delivery.');
  return parsed.data;
}

/**
 * `/api/v1/webhooks` (README "Webhooks"), behind the API token check of src/http/api.ts, admins
 * only: register (the secret in the answer, this once), list, delete, an endpoint's deliveries, and
 * "Send again" of one of them.
 */
export function webhookApiRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/webhooks', async (req, res) => {
    admin(req, res);
    res.set('Cache-Control', 'no-store').json({ webhooks: (await allEndpoints(deps.db)).map(endpointJson) });
  });
  router.post('/webhooks', async (req, res) => {
    try {
      const { endpoint, secret } = await createEndpoint(deps, admin(req, res), req.body);
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({ ...endpointJson(endpoint), secret });
    } catch (error) {
      if (!(error instanceof InvalidWebhookError)) throw error;
      res.status(422).json({ error: error.code, message: error.message, fields: error.fields });
    }
  });
  router.delete('/webhooks/:id', async (req, res) => {
    await removeEndpoint(deps.db, admin(req, res), endpointId(req));
    res.status(204).end();
  });
  router.get('/webhooks/:id/deliveries', async (req, res) => {
    admin(req, res);
    const endpoint = await endpointOrThrow(deps.db, endpointId(req));
    const deliveries = await deliveryLog(deps.db, endpoint.id);
    res.set('Cache-Control', 'no-store').json({
      webhook: endpointJson(endpoint),
      deliveries: deliveries.map((d) => ({
        id: d.id,
        type: d.event_type,
        status: d.status,
        created_at: d.created_at,
        finished_at: d.finished_at,
        attempts: d.attempt_log.map((a) => ({
          at: a.at,
          response_status: a.response_status,
          error: a.error,
          duration_ms: a.duration_ms,
        })),
        payload: d.payload,
      })),
    });
  });
  // "Send again", as the console's button: a new attempt of the same delivery (same id, same body).
  router.post('/webhooks/:id/deliveries/:delivery/resend', async (req, res) => {
    const delivery = deliveryId(req);
    await sendAgain(deps, admin(req, res), endpointId(req), delivery);
    res.status(202).set('Cache-Control', 'no-store').json({ id: delivery, status: 'pending' });
  });
  return router;
}
