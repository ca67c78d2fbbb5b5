import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { renderDeskPage } from './desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { setFlash } from '../auth/session.ts';
import type { User } from '../auth/user.ts';
import { hasRole } from '../auth/roles.ts';
import { listAssignableUsers } from '../auth/users.service.ts';
import { assignTicket, claimTicket, releaseTicket } from '../decisions/claims.service.ts';
import { decide, type DecisionOutcome } from '../decisions/decisions.service.ts';
import { RuleBrokenError } from '../decisions/rules.ts';
import type { WebDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { normaliseReference } from '../requests/reference.ts';
import { addNote } from '../notes/notes.service.ts';
import {
  assignFormSchema,
  claimFormSchema,
  decisionBody,
  noteFormSchema,
  presenceFormSchema,
  type DecisionForm,
  parseDecisionForm,
  pathId,
} from './request-page.schema.ts';
import { emailHtml, loadRequestPage, macroFormValues, readAttachment } from './request-page.service.ts';
import { previewDecisionEmail } from '../decisions/decision-preview.ts';
import { requestPageView, type KeptForm } from './request-page.view.ts';

// The rules' answers a technician should read on the page itself, with what they typed kept.
const SHOWN_ON_PAGE = new Set([403, 409, 422]);

/** The request page (/desk/requests/:reference): read, claim, note, decide; and its attachments and emails. */
export function requestPageRoutes(deps: WebDeps): Router {
  const router = Router();
  const tech = requireSession('technician');
  const page = '/desk/requests/:reference';

  router.get(page, tech, async (req, res) => {
    await showPage(deps, req, res);
  });

  router.post(`${page}/claim`, tech, async (req, res) => {
    const takeover = claimFormSchema.safeParse(req.body).data?.takeover === 'true';
    await act(deps, req, res, {}, async (user) => {
      await claimTicket(deps, user, param(req), { takeover });
      return takeover ? 'You took this request over.' : 'You hold this request now.';
    });
  });

  router.post(`${page}/release`, tech, async (req, res) => {
    await act(deps, req, res, {}, async (user) => {
      await releaseTicket(deps, user, param(req));
      return 'Released: the request is back in the queue.';
    });
  });

  router.post(`${page}/assign`, tech, async (req, res) => {
    const to = assignFormSchema.safeParse(req.body).data?.to ?? '';
    await act(deps, req, res, {}, async (user) => {
      const state = await assignTicket(deps, user, param(req), to);
      return `Assigned to ${state.claimed_by}; they are notified.`;
    });
  });

  router.post(`${page}/notes`, tech, async (req, res) => {
    const text = noteFormSchema.safeParse(req.body).data?.text ?? '';
    await act(deps, req, res, { type: 'note', text }, async (user) => {
      await addNote(deps, user, param(req), { text });
      return 'Note added.';
    });
  });

  router.post(`${page}/decisions`, tech, async (req, res) => {
    const form = parseDecisionForm(req.body);
    const { idempotency_key: key, ...values } = form;
    await act(deps, req, res, values, async (user) =>
      outcomeMessage(await decide(deps, user, param(req), decisionBody(form), key)),
    );
  });

  // "Preview email": the page again, the form as typed and the email its decision would send; nothing is sent.
  router.post(`${page}/decisions/preview`, tech, async (req, res) => {
    const form = parseDecisionForm(req.body);
    const values = formValues(form);
    await showOrRefuse(deps, req, res, values, async (user) => ({
      values,
      preview: await previewDecisionEmail(deps, user, param(req), decisionBody(form)),
    }));
  });

  // "Use" (without scripts): the page again, the picked macro's text and reason put into the form.
  router.post(`${page}/decisions/macro`, tech, async (req, res) => {
    const form = parseDecisionForm(req.body);
    const values = formValues(form);
    await showOrRefuse(deps, req, res, values, async () => ({
      values: { ...values, ...(await macroFormValues(deps, param(req), form)) },
    }));
  });

  // The page's script reports every few seconds (and on typing); the answer is who else is here.
  router.post(`${page}/presence`, tech, async (req, res) => {
    const form = presenceFormSchema.safeParse(req.body);
    const reference = normaliseReference(param(req));
    if (!form.success || !reference)
      throw new AppError('validation_failed', 422, 'Not a presence report of a request page.');
    const email = res.locals.user!.email;
    res.set('Cache-Control', 'no-store');
    if (form.data.leave === 'true') {
      await deps.presence.leave(reference, email);
      res.status(204).end();
      return;
    }
    res.json({ others: await deps.presence.touch(reference, email, form.data.typing === 'true') });
  });

  router.get(`${page}/attachments/:id`, tech, async (req, res) => {
    const file = await readAttachment(deps, param(req), pathId(String(req.params.id), 'attachment'));
    res.attachment(file.name);
    res.set({
      'Content-Type': file.type,
      'Content-Length': String(file.size),
      'X-Content-Type-Options': 'nosniff',
    });
    await pipeline(file.content, res).catch((error: unknown) => {
      // The browser went away mid-download: no one to answer, nothing went wrong here.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    });
  });

  // The HTML part as stored (masked), in a sandbox: no scripts, no requests out, no forms.
  router.get('/desk/emails/:id', tech, async (req, res) => {
    const html = await emailHtml(deps, pathId(String(req.params.id), 'email'));
    res.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'",
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(html);
  });

  return router;
}

/** A decision form's fields to show again; its idempotency key is not one (each page draws a new one). */
function formValues(form: DecisionForm): Record<string, string | undefined> {
  const { idempotency_key, ...values } = form;
  void idempotency_key;
  return values;
}

function param(req: Request): string {
  return String(req.params.reference);
}

async function showPage(deps: WebDeps, req: Request, res: Response, kept?: KeptForm, status = 200) {
  const data = await loadRequestPage(deps, param(req));
  const user = res.locals.user!;
  const [others, assignable] = await Promise.all([
    deps.presence.touch(data.ticket.reference, user.email, false),
    hasRole(user, 'supervisor') ? listAssignableUsers(deps.db) : Promise.resolve([]),
  ]);
  const view = { ...requestPageView(data, user, others, kept), assignable: assignableView(assignable, data) };
  renderDeskPage(req, res, deps.templates, 'desk-request', view, status);
}

/**
 * Runs one action of the page: done → 303 back to the page with its message (so a reload does not
 * post again); refused by the rules (403/409/422) → the page again with the rule and what was typed.
 */
async function act(
  deps: WebDeps,
  req: Request,
  res: Response,
  values: Record<string, string | undefined>,
  action: (user: User) => Promise<string>,
): Promise<void> {
  let message: string;
  try {
    message = await action(res.locals.user!);
  } catch (error) {
    await showRefusal(deps, req, res, values, error);
    return;
  }
  setFlash(req, message);
  res.redirect(303, `/desk/requests/${encodeURIComponent(param(req))}`);
}

/**
 * Shows the page with a form kept as `show` makes it (a preview, a macro's text); refused by the
 * rules (403/409/422), the page with the rule and what was typed, as `act` does.
 */
async function showOrRefuse(
  deps: WebDeps,
  req: Request,
  res: Response,
  values: Record<string, string | undefined>,
  show: (user: User) => Promise<KeptForm>,
): Promise<void> {
  let kept: KeptForm;
  try {
    kept = await show(res.locals.user!);
  } catch (error) {
    await showRefusal(deps, req, res, values, error);
    return;
  }
  await showPage(deps, req, res, kept);
}

/** A refusal by the rules (403/409/422): the page again with the rule and what was typed; anything else is thrown on. */
async function showRefusal(
  deps: WebDeps,
  req: Request,
  res: Response,
  values: Record<string, string | undefined>,
  error: unknown,
): Promise<void> {
  if (!(error instanceof AppError) || !SHOWN_ON_PAGE.has(error.status)) throw error;
  const suggested = error instanceof RuleBrokenError ? error.suggested : undefined;
  await showPage(deps, req, res, { error: error.message, values, suggested }, error.status);
}

/** What came of a decision, as the flash message on the request page. */
function outcomeMessage(outcome: DecisionOutcome): string {
  switch (outcome.kind) {
    case 'code_sent':
      return `Code ${outcome.mode === 'replace' ? 'replaced and sent' : 'sent'} to ${outcome.sentTo}${outcome.requesterNotified ? '; the requester is told where it went' : ''}. The request is resolved.`;
    case 'pending_approval':
      return `Proposed: waiting for another supervisor's approval (#${outcome.approvalId}).`;
    case 'question_sent':
      return 'Question sent: the request waits on the customer.';
    case 'rejected':
      return `Rejected (${outcome.reason.replace(/_/g, ' ')}); the customer is emailed.`;
    case 'waiting_for_authority':
      return 'Asked the licensing system for a new code: the request waits for it, and the code goes to the purchaser and the request resolves when it arrives.';
    default: {
      const unknown: never = outcome;
      throw new Error(`no sentence for the outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/** Whom a supervisor may give the request to: every enabled desk user but its holder. */
function assignableView(users: User[], data: { ticket: { claim: { by: string } | null } }) {
  return users
    .filter((u) => u.email !== data.ticket.claim?.by)
    .map((u) => ({ email: u.email, role: u.role }));
}
