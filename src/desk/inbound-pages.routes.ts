import { Router } from 'express';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { notThreadedOverview, rawMessageOfRequest } from '../inbound/inbound-console.service.ts';
import { consoleTime } from '../time-text.ts';
import { renderDeskPage } from './desk-page.ts';
import { pathId } from './request-page.schema.ts';

/**
 * The console's views of inbound email (README "Email replies", threading): a message of a
 * request as received (technicians; codes masked, audited), and the messages that were not
 * threaded (admins).
 */
export function inboundPageRoutes(deps: WebDeps): Router {
  const router = Router();

  router.get('/desk/requests/:reference/inbound/:id', requireSession('technician'), async (req, res) => {
    const user = currentUser(res);
    const viewer = { actor: { id: user.id, email: user.email }, address: req.ip ?? null };
    const id = pathId(String(req.params.id), 'message');
    const raw = await rawMessageOfRequest(deps, viewer, String(req.params.reference), id);
    res.set('Cache-Control', 'no-store');
    renderDeskPage(req, res, deps.templates, 'desk-inbound-raw', {
      title: `Email message ${id} of ${raw.reference}`,
      reference: raw.reference,
      message: { ...raw.row, received: consoleTime(raw.row.received_at) },
      text: raw.text,
      cut: raw.cut,
    });
  });

  router.get('/desk/admin/inbound', requireSession('admin'), async (req, res) => {
    const overview = await notThreadedOverview(deps.db);
    renderDeskPage(req, res, deps.templates, 'admin-inbound', {
      title: 'Email not threaded',
      counts: overview.counts,
      rows: overview.rows.map((r) => ({ ...r, received: consoleTime(r.received_at) })),
    });
  });

  return router;
}
