import type { Request, Response } from 'express';
import { Router } from 'express';
import { renderDeskPage } from '../auth/desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import { setFlash } from '../auth/session.ts';
import { ROLES } from '../auth/user.ts';
import { addUser } from '../auth/users.service.ts';
import type { WebDeps } from '../deps.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { addUserForm, idParam, InvalidFormError, parseForm, tokenForm } from './admin.schema.ts';
import { createTokenForUser, revokeToken, setUserEnabled, usersOverview } from './admin.service.ts';

const USERS = '/desk/admin/users';

/** The admin pages: users, their API tokens, and a link to the queues' dashboard. Admins only. */
export function adminRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use('/desk/admin', requireSession('admin'));

  router.get('/desk/admin', (req, res) =>
    renderDeskPage(req, res, deps.templates, 'admin-home', { title: 'Admin' }),
  );
  router.get(USERS, (req, res) => showUsers(deps, req, res));

  router.post(USERS, async (req, res) => {
    try {
      const user = await addUser(deps.db, parseForm(addUserForm, req.body));
      setFlash(req, `Added ${user.role} ${user.email}.`);
      res.redirect(303, USERS);
    } catch (error) {
      // The form comes back with what was typed (but the password) and what is wrong with it.
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const fields = error instanceof InvalidFormError ? error.fields : {};
      const form = { email: bodyField(req, 'email'), role: bodyField(req, 'role') };
      await showUsers(deps, req, res, { error: error.message, fields, form }, error.status);
    }
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    router.post(`${USERS}/:id/${action}`, async (req, res) => {
      try {
        const user = await setUserEnabled(deps.db, currentUser(res), id(req), enabled);
        setFlash(req, `${enabled ? 'Enabled' : 'Disabled'} ${user.email}.`);
        res.redirect(303, USERS);
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 409) throw error;
        await showUsers(deps, req, res, { error: error.message }, 409);
      }
    });
  }

  router.post(`${USERS}/:id/tokens`, async (req, res) => {
    const form = tokenForm.safeParse(req.body ?? {});
    if (!form.success) {
      const error = form.error.issues[0]?.message ?? 'The label is not valid.';
      return showUsers(deps, req, res, { error }, 422);
    }
    const created = await createTokenForUser(deps.db, id(req), form.data.label);
    // Shown on this one response and stored nowhere but as a hash: not even in the session.
    renderDeskPage(req, res, deps.templates, 'admin-token', { title: 'New API token', ...created }, 201);
  });

  router.post('/desk/admin/tokens/:id/revoke', async (req, res) => {
    const revoked = await revokeToken(deps.db, id(req));
    setFlash(req, `Revoked the API token “${revoked.label}” of ${revoked.email}.`);
    res.redirect(303, USERS);
  });

  return router;
}

async function showUsers(
  deps: WebDeps,
  req: Request,
  res: Response,
  problem: { error?: string; fields?: Record<string, string>; form?: Record<string, string> } = {},
  status = 200,
): Promise<void> {
  const users = await usersOverview(deps.db, currentUser(res));
  const form = problem.form ?? { role: 'technician' };
  renderDeskPage(
    req,
    res,
    deps.templates,
    'admin-users',
    { title: 'Users', users, roles: ROLES, ...problem, form },
    status,
  );
}

function id(req: Request): number {
  const parsed = idParam.safeParse(req.params.id);
  if (!parsed.success) throw new NotFoundError('There is nothing at this address.');
  return parsed.data;
}

function bodyField(req: Request, name: string): string {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
