import type { Request, Response } from 'express';
import { Router } from 'express';
import { renderDeskPage } from '../desk/desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import { setFlash } from '../auth/session.ts';
import { ROLES } from '../auth/user.ts';
import { revokeToken } from '../auth/tokens.service.ts';
import { addUser } from '../auth/users.service.ts';
import { resumeInstantRecovery } from '../decisions/instant-recovery.ts';
import type { WebDeps } from '../deps.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { addUserForm, idParam, InvalidFormError, parseForm, roleForm } from './admin.schema.ts';
import { setUserEnabled, setUserRole, usersOverview } from './admin.service.ts';

const USERS = '/desk/admin/users';

/**
 * The admin pages: users (add, disable, enable, change role) and everyone's API tokens (list,
 * revoke; never create: a token is made by its owner, README "Security"). Admins only; every change is
 * audited.
 */
export function adminRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use('/desk/admin', requireSession('admin'));

  router.get('/desk/admin', (req, res) =>
    renderDeskPage(req, res, deps.templates, 'admin-home', { title: 'Admin' }),
  );
  router.get(USERS, (req, res) => showUsers(deps, req, res));

  router.post(USERS, async (req, res) => {
    try {
      const actor = currentUser(res);
      const user = await addUser(deps.db, parseForm(addUserForm, req.body), {
        actor: { id: actor.id, email: actor.email },
        address: req.ip ?? null,
      });
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
        const user = await setUserEnabled(deps.db, currentUser(res), id(req), enabled, req.ip ?? null);
        setFlash(req, `${enabled ? 'Enabled' : 'Disabled'} ${user.email}.`);
        res.redirect(303, USERS);
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 409) throw error;
        await showUsers(deps, req, res, { error: error.message }, 409);
      }
    });
  }

  router.post(`${USERS}/:id/role`, async (req, res) => {
    const userId = id(req);
    try {
      const { role } = parseForm(roleForm, req.body);
      const user = await setUserRole(deps.db, currentUser(res), userId, role, req.ip ?? null);
      setFlash(req, `${user.email} is now ${article(user.role)} ${user.role}.`);
      res.redirect(303, USERS);
    } catch (error) {
      if (!(error instanceof AppError) || ![409, 422].includes(error.status)) throw error;
      const message =
        error instanceof InvalidFormError ? Object.values(error.fields).join(' ') : error.message;
      await showUsers(deps, req, res, { error: message }, error.status);
    }
  });

  // From the queue page's banner (README "Instant recovery").
  router.post('/desk/admin/instant-recovery/resume', async (req, res) => {
    const resumed = await resumeInstantRecovery(deps.db, currentUser(res), req.ip ?? null);
    setFlash(req, resumed ? 'Instant recovery resumed.' : 'Instant recovery was not paused.');
    res.redirect(303, '/desk');
  });

  router.post('/desk/admin/tokens/:id/revoke', async (req, res) => {
    const done = await revokeToken(deps.db, currentUser(res), id(req), {
      as: 'admin',
      address: req.ip ?? null,
    });
    const which = `the API token${done.label ? ` “${done.label}”` : ''} of ${done.owner}`;
    setFlash(req, done.revoked ? `Revoked ${which}.` : `${capitalised(which)} was already revoked.`);
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

function article(role: string): string {
  return /^[aeiou]/.test(role) ? 'an' : 'a';
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
