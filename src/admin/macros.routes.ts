import type { Request, Response } from 'express';
import { Router } from 'express';
import { requireSession } from '../auth/require-session.ts';
import { currentUser } from '../auth/require-token.ts';
import { setFlash } from '../auth/session.ts';
import { REJECT_REASONS } from '../decisions/decisions.schema.ts';
import { FILLS_CHOICES, fillsChoice, InvalidMacroError } from '../decisions/macros.schema.ts';
import {
  allMacros,
  changeMacro,
  createMacro,
  macroById,
  setMacroArchived,
} from '../decisions/macros.service.ts';
import { renderDeskPage } from '../desk/desk-page.ts';
import { REJECT_REASON_TEXT } from '../desk/request-page.history.ts';
import { utcMinute } from '../time-text.ts';
import type { WebDeps } from '../deps.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { LOCALES } from '../i18n/i18n.ts';
import { idParam } from './admin.schema.ts';

export const MACROS = '/desk/admin/macros';

/** What a macro fills, in the console's words. */
function fillsLabel(choice: string): string {
  if (choice === 'request_info') return 'Ask the customer';
  const reason = choice.slice('reject:'.length) as (typeof REJECT_REASONS)[number];
  return `Reject: ${REJECT_REASON_TEXT[reason] ?? reason}`;
}

type MacroForm = Record<string, string>;
interface Problem {
  error: string;
  fields: Record<string, string>;
}

/**
 * The admin's macros (canned replies): list, add, change, archive and restore. Admins only; each
 * change is audited. A refused form comes back with what was typed and a message per field.
 */
export function macroAdminRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use(MACROS, requireSession('admin'));

  router.get(MACROS, (req, res) => showList(deps, req, res));

  router.post(MACROS, async (req, res) => {
    try {
      await createMacro(deps.db, currentUser(res), req.body, req.ip ?? null);
      setFlash(req, `Added the macro “${formOf(req).name?.trim() ?? ''}”.`);
      res.redirect(303, MACROS);
    } catch (error) {
      await showList(deps, req, res, refusal(error), formOf(req));
    }
  });

  router.get(`${MACROS}/:id`, async (req, res) => {
    const macro = await macroById(deps.db, id(req));
    const form: MacroForm = { name: macro.name, fills: fillsChoice(macro) };
    for (const locale of LOCALES) form[`text_${locale}`] = macro.texts[locale];
    showEdit(deps, req, res, { id: macro.id, archived: macro.archived_at !== null }, form);
  });

  router.post(`${MACROS}/:id`, async (req, res) => {
    const macroId = id(req);
    try {
      await changeMacro(deps.db, currentUser(res), macroId, req.body, req.ip ?? null);
      setFlash(req, `Saved the macro “${formOf(req).name?.trim() ?? ''}”.`);
      res.redirect(303, MACROS);
    } catch (error) {
      const macro = await macroById(deps.db, macroId);
      const problem = refusal(error);
      showEdit(deps, req, res, { id: macroId, archived: macro.archived_at !== null }, formOf(req), problem);
    }
  });

  for (const [action, archived] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    router.post(`${MACROS}/:id/${action}`, async (req, res) => {
      try {
        const done = await setMacroArchived(deps.db, currentUser(res), id(req), archived, req.ip ?? null);
        const verb = archived ? 'Archived' : 'Restored';
        setFlash(
          req,
          done.changed
            ? `${verb} the macro “${done.name}”.`
            : `The macro “${done.name}” was already ${verb.toLowerCase()}.`,
        );
        res.redirect(303, MACROS);
      } catch (error) {
        await showList(deps, req, res, refusal(error));
      }
    });
  }
  return router;
}

/** A refused form's message and fields; anything but a 4xx goes on to the error handler. */
function refusal(error: unknown): Problem & { status: number } {
  if (!(error instanceof AppError) || error.status >= 500) throw error;
  const fields = error instanceof InvalidMacroError ? error.fields : {};
  const message =
    error instanceof InvalidMacroError ? 'Nothing was saved: see the fields below.' : error.message;
  return { error: message, fields, status: error.status };
}

async function showList(
  deps: WebDeps,
  req: Request,
  res: Response,
  problem?: Problem & { status: number },
  form: MacroForm = { fills: 'request_info' },
): Promise<void> {
  const macros = (await allMacros(deps.db)).map((m) => ({
    id: m.id,
    name: m.name,
    fills: fillsLabel(fillsChoice(m)),
    archived: m.archived_at ? utcMinute(m.archived_at) : null,
    updated: utcMinute(m.updated_at),
    updatedBy: m.updated_by_email ?? 'shipped with the desk',
    texts: LOCALES.map((locale) => ({ locale, text: m.texts[locale] })),
  }));
  renderDeskPage(
    req,
    res,
    deps.templates,
    'admin-macros',
    { title: 'Macros', macros, ...formView(form, problem) },
    problem?.status ?? 200,
  );
}

function showEdit(
  deps: WebDeps,
  req: Request,
  res: Response,
  macro: { id: number; archived: boolean },
  form: MacroForm,
  problem?: Problem & { status: number },
): void {
  renderDeskPage(
    req,
    res,
    deps.templates,
    'admin-macro-edit',
    { title: `Macro “${form.name ?? ''}”`, macro, ...formView(form, problem) },
    problem?.status ?? 200,
  );
}

/** The macro form's fields as the page shows them: what was typed, and each field's problem. */
function formView(form: MacroForm, problem?: Problem) {
  return {
    error: problem?.error,
    fields: problem?.fields ?? {},
    form,
    choices: FILLS_CHOICES.map((value) => ({
      value,
      label: fillsLabel(value),
      selected: value === form.fills,
    })),
    texts: LOCALES.map((locale) => ({
      locale,
      field: `text_${locale}`,
      value: form[`text_${locale}`] ?? '',
      error: problem?.fields[`text_${locale}`],
    })),
  };
}

function formOf(req: Request): MacroForm {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const form: MacroForm = {};
  for (const key of ['name', 'fills', ...LOCALES.map((l) => `text_${l}`)])
    if (typeof body[key] === 'string') form[key] = body[key];
  return form;
}

function id(req: Request): number {
  const parsed = idParam.safeParse(req.params.id);
  if (!parsed.success) throw new NotFoundError('There is nothing at this address.');
  return parsed.data;
}
