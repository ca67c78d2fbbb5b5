import { Router, type Request, type Response } from 'express';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import { setFlash } from '../auth/session.ts';
import { renderDeskPage } from '../desk/desk-page.ts';
import type { WebDeps } from '../deps.ts';
import { utcMinute } from '../time-text.ts';
import { WEBHOOK_EVENTS } from '../webhooks/webhook-events.ts';
import { deliveryId, endpointId } from '../webhooks/webhooks.routes.ts';
import { InvalidWebhookError } from '../webhooks/webhooks.schema.ts';
import {
  allEndpoints,
  createEndpoint,
  deliveryLog,
  enableEndpoint,
  endpointOrThrow,
  removeEndpoint,
  sendAgain,
  type Acting,
} from '../webhooks/webhooks.service.ts';

export const WEBHOOKS = '/desk/admin/webhooks';

const acting = (req: Request, res: Response): Acting => ({
  admin: currentUser(res),
  address: req.ip ?? null,
});

/**
 * The admin's webhook endpoints (README "Webhooks"): list, add (the secret shown on the answer
 * page only), disable, enable, delete; each endpoint's delivery log with "Send again".
 */
export function webhookAdminRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use(WEBHOOKS, requireSession('admin'));

  router.get(WEBHOOKS, (req, res) => showList(deps, req, res));

  router.post(WEBHOOKS, async (req, res) => {
    try {
      const { endpoint, secret } = await createEndpoint(deps, acting(req, res), req.body);
      res.set('Cache-Control', 'no-store');
      renderDeskPage(req, res, deps.templates, 'admin-webhook-created', {
        title: 'Webhook added',
        endpoint,
        secret,
      });
    } catch (error) {
      if (!(error instanceof InvalidWebhookError)) throw error;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = (value: unknown) => (typeof value === 'string' ? value : '');
      const form = {
        url: text(body.url),
        description: text(body.description),
        events: [body.events ?? []].flat(),
      };
      await showList(deps, req, res, { error: error.message, fields: error.fields }, form);
    }
  });

  router.get(`${WEBHOOKS}/:id`, async (req, res) => {
    const endpoint = await endpointOrThrow(deps.db, endpointId(req));
    const deliveries = (await deliveryLog(deps.db, endpoint.id)).map((d) => ({
      ...d,
      created: utcMinute(d.created_at),
      attempts: d.attempt_log.map((a) => ({ ...a, when: utcMinute(a.at) })),
      canResend: d.status !== 'pending',
    }));
    renderDeskPage(req, res, deps.templates, 'admin-webhook', {
      title: 'Webhook deliveries',
      endpoint,
      deliveries,
    });
  });

  for (const [action, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const)
    router.post(`${WEBHOOKS}/:id/${action}`, async (req, res) => {
      const endpoint = await enableEndpoint(deps.db, acting(req, res), endpointId(req), enabled);
      setFlash(req, `${enabled ? 'Enabled' : 'Disabled'} the webhook to ${endpoint.url}.`);
      res.redirect(303, WEBHOOKS);
    });

  router.post(`${WEBHOOKS}/:id/delete`, async (req, res) => {
    const endpoint = await removeEndpoint(deps.db, acting(req, res), endpointId(req));
    setFlash(req, `Deleted the webhook to ${endpoint.url} and its delivery log.`);
    res.redirect(303, WEBHOOKS);
  });

  router.post(`${WEBHOOKS}/:id/deliveries/:delivery/resend`, async (req, res) => {
    const id = endpointId(req);
    const delivery = deliveryId(req);
    await sendAgain(deps, acting(req, res), id, delivery);
    setFlash(req, `Delivery ${delivery} will be sent again.`);
    res.redirect(303, `${WEBHOOKS}/${id}`);
  });
  return router;
}

interface Form {
  url: string;
  description: string;
  events: unknown[];
}

async function showList(
  deps: WebDeps,
  req: Request,
  res: Response,
  problem?: { error: string; fields: Record<string, string> },
  form: Form = { url: 'https://', description: '', events: [] },
): Promise<void> {
  const endpoints = (await allEndpoints(deps.db)).map((e) => ({ ...e, created: utcMinute(e.created_at) }));
  const events = WEBHOOK_EVENTS.map((name) => ({ name, checked: form.events.includes(name) }));
  renderDeskPage(
    req,
    res,
    deps.templates,
    'admin-webhooks',
    { title: 'Webhooks', endpoints, events, form, ...problem },
    problem ? 422 : 200,
  );
}
