import { Router } from 'express';
import { requireSession } from '../auth/require-session.ts';
import { setFlash } from '../auth/session.ts';
import type { WebDeps } from '../deps.ts';
import { pathId } from './request-page.schema.ts';
import { resendEmail } from '../mail/resend.service.ts';

/** The console's resend action for a failed or unconfirmed email (technician and up, CSRF-checked under /desk). */
export function emailResendRoutes(deps: WebDeps): Router {
  const router = Router();
  router.post('/desk/emails/:id/resend', requireSession('technician'), async (req, res) => {
    const { reference } = await resendEmail(deps, res.locals.user!, pathId(String(req.params.id), 'email'));
    setFlash(req, 'The email is queued to be sent again.');
    res.redirect(303, reference ? `/desk/requests/${encodeURIComponent(reference)}` : '/desk');
  });
  return router;
}
