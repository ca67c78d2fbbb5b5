import type { Request, Response } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import type { WebDeps } from '../deps.ts';
import { lineText } from '../identifiers/plain-text.ts';
import { renderDeskPage } from './desk-page.ts';
import { endSession, startSession } from '../auth/session.ts';
import { signIn } from '../auth/sign-in.service.ts';

const signInForm = z.object({
  email: lineText('The email address must not contain control characters.').trim().max(254).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().optional(),
});

/** Only a path inside the console: never another site (an open redirect) or `//host`. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/desk(?:[/?#]|$)/.test(next) || /[\\\s]/.test(next)) return '/desk';
  return next;
}

/** GET/POST /desk/sign-in and POST /desk/sign-out; mounted after deskSession and csrfProtection. */
export function signInRoutes(deps: WebDeps): Router {
  const router = Router();

  router.get('/desk/sign-in', (req, res) => {
    if (res.locals.user) return res.redirect(303, safeNext(req.query.next));
    showForm(req, res, deps, { next: safeNext(req.query.next) });
  });

  router.post('/desk/sign-in', async (req, res) => {
    const parsed = signInForm.safeParse(req.body ?? {});
    const form = parsed.success ? parsed.data : { email: '', password: '', next: undefined };
    const next = safeNext(form.next);
    if (!form.email || !form.password) {
      const error = 'Enter your email address and your password.';
      return showForm(req, res, deps, { next, email: form.email, error }, 422);
    }
    const outcome = await signIn(deps, { ...form, clientAddress: req.ip ?? 'unknown' });
    if (!outcome.ok) {
      if (outcome.status === 429) res.set('Retry-After', String(outcome.retryAfterSeconds));
      return showForm(req, res, deps, { next, email: form.email, error: outcome.message }, outcome.status);
    }
    await startSession(req, outcome.user);
    req.log.info({ userId: outcome.user.id }, 'signed in');
    res.redirect(303, next);
  });

  router.post('/desk/sign-out', async (req, res) => {
    await endSession(req, res);
    res.redirect(303, '/desk/sign-in');
  });

  return router;
}

function showForm(
  req: Request,
  res: Response,
  deps: WebDeps,
  context: { next: string; email?: string; error?: string },
  status = 200,
): void {
  renderDeskPage(req, res, deps.templates, 'sign-in', { title: 'Sign in', ...context }, status);
}
