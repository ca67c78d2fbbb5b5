import { Router, type Request, type Response } from 'express';
import { renderDeskPage } from './desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { setFlash } from '../auth/session.ts';
import { approve, pendingApprovals, rejectApproval } from '../decisions/approvals.service.ts';
import type { WebDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { listPendingApprovalPurchases } from './approvals-page.repository.ts';
import { approvalsView } from './approvals-page.view.ts';
import { approvalFormSchema, pathId } from './request-page.schema.ts';

const SHOWN_ON_PAGE = new Set([403, 409, 422]);

/** /desk/approvals: a supervisor's list of what colleagues proposed, to approve or turn down (four eyes). */
export function approvalsPageRoutes(deps: WebDeps): Router {
  const router = Router();
  const supervisor = requireSession('supervisor');

  router.get('/desk/approvals', supervisor, async (req, res) => {
    await showPage(deps, req, res);
  });

  router.post('/desk/approvals/:id/approve', supervisor, async (req, res) => {
    const id = pathId(String(req.params.id), 'approval');
    await act(deps, req, res, async () => {
      const done = await approve(deps, res.locals.user!, id);
      return `Approved: ${done.reference} is ${done.request_status}.`;
    });
  });

  router.post('/desk/approvals/:id/reject', supervisor, async (req, res) => {
    const id = pathId(String(req.params.id), 'approval');
    const form = approvalFormSchema.safeParse(req.body ?? {});
    if (!form.success) return showPage(deps, req, res, form.error.issues[0]?.message, 422);
    const note = form.data.note;
    await act(deps, req, res, async () => {
      const done = await rejectApproval(deps, res.locals.user!, id, note?.trim().slice(0, 2000));
      return `Turned down: ${done.reference} is back in ${done.request_status}.`;
    });
  });

  return router;
}

async function showPage(deps: WebDeps, req: Request, res: Response, error?: string, status = 200) {
  const user = res.locals.user!;
  const [approvals, purchases] = await Promise.all([
    pendingApprovals(deps, user),
    listPendingApprovalPurchases(deps.db),
  ]);
  const view = approvalsView(approvals, purchases, user);
  renderDeskPage(req, res, deps.templates, 'desk-approvals', { title: 'Approvals', ...view, error }, status);
}

/** Done → 303 back to the list with a notice; refused (not yours to approve, already decided, stale) → the list with why. */
async function act(deps: WebDeps, req: Request, res: Response, action: () => Promise<string>) {
  let message: string;
  try {
    message = await action();
  } catch (error) {
    if (!(error instanceof AppError) || !SHOWN_ON_PAGE.has(error.status)) throw error;
    await showPage(deps, req, res, error.message, error.status);
    return;
  }
  setFlash(req, message);
  res.redirect(303, '/desk/approvals');
}
