import type { Request, Response } from 'express';
import { Router } from 'express';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { renderDeskPage } from './desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import { setFlash } from '../auth/session.ts';
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, newTokenForm } from '../auth/tokens.schema.ts';
import { createOwnToken, ownTokens, revokeToken } from '../auth/tokens.service.ts';
import { scopesText, tokenView } from './tokens.view.ts';
import { SCOPE_TEXT, TOKEN_SCOPES, type TokenScope } from '../auth/token-scopes.ts';
import { consoleTime } from '../time-text.ts';

const PAGE = '/desk/tokens';

/** "My tokens": every signed-in user lists, creates and revokes their own API tokens (README "Security"). */
export function tokenRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use(PAGE, requireSession());

  router.get(PAGE, (req, res) => showPage(deps, req, res));

  router.post(PAGE, async (req, res) => {
    const parsed = newTokenForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? 'form')] ??= issue.message;
      const typed = {
        label: bodyField(req, 'label'),
        expires_in_days: bodyField(req, 'expires_in_days'),
        scopes: scopeChoices(req.body),
      };
      const error = 'Some fields are missing or not valid.';
      return showPage(deps, req, res, { error, fields, form: typed }, 422);
    }
    const { label: given, expires_in_days: expiresInDays, scopes } = parsed.data;
    const input = { label: given, expiresInDays, scopes };
    const created = await createOwnToken(deps.db, currentUser(res), input, req.ip ?? null);
    // Shown on this one response and stored nowhere but as a hash: not even in the session. The
    // owner goes by its own name: the layout's `user` is whoever is signed in.
    const { user: owner, token, label, expiresAt } = created;
    const page = {
      title: 'New API token',
      owner,
      token,
      label,
      expires: consoleTime(expiresAt),
      scopes: scopesText(created.scopes),
    };
    renderDeskPage(req, res, deps.templates, 'token-created', page, 201);
  });

  router.post(`${PAGE}/:id/revoke`, async (req, res) => {
    const param = String(req.params.id);
    if (!/^\d{1,15}$/.test(param)) throw new NotFoundError('There is no such API token.');
    const acting = { as: 'owner' as const, address: req.ip ?? null };
    const done = await revokeToken(deps.db, currentUser(res), Number(param), acting);
    const label = done.label ? ` “${done.label}”` : '';
    setFlash(
      req,
      done.revoked ? `Revoked your API token${label}.` : `Your API token${label} was already revoked.`,
    );
    res.redirect(303, PAGE);
  });

  return router;
}

async function showPage(
  deps: WebDeps,
  req: Request,
  res: Response,
  problem: { error?: string; fields?: Record<string, string>; form?: TokenFormView } = {},
  status = 200,
): Promise<void> {
  const now = new Date();
  const tokens = (await ownTokens(deps.db, currentUser(res))).map((t) => tokenView(t, now));
  const form = problem.form ?? {
    label: '',
    expires_in_days: String(DEFAULT_TOKEN_DAYS),
    scopes: scopeChoices({}),
  };
  renderDeskPage(
    req,
    res,
    deps.templates,
    'my-tokens',
    {
      title: 'My tokens',
      tokens,
      maxDays: MAX_TOKEN_DAYS,
      defaultDays: DEFAULT_TOKEN_DAYS,
      ...problem,
      form,
    },
    status,
  );
}

interface TokenFormView {
  label: string;
  expires_in_days: string;
  scopes: { name: TokenScope; text: string; checked: boolean }[];
}

/** Every scope as a checkbox of the form, ticked when the body sent it. */
function scopeChoices(body: unknown): TokenFormView['scopes'] {
  const sent: unknown = (body as Record<string, unknown> | undefined)?.scopes;
  const given = new Set([sent].flat());
  return TOKEN_SCOPES.map((name) => ({ name, text: SCOPE_TEXT[name], checked: given.has(name) }));
}

function bodyField(req: Request, name: string): string {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
