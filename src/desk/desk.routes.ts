import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { Router } from 'express';
import { renderDeskPage } from './desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { hasRole } from '../auth/roles.ts';
import { setFlash } from '../auth/session.ts';
import { listAssignableUsers } from '../auth/users.service.ts';
import { bulkAct } from '../decisions/bulk.service.ts';
import type { BulkActionType } from '../decisions/bulk.schema.ts';
import { instantRecoveryPause } from '../decisions/instant-recovery.ts';
import { AppError } from '../errors.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { latestMatchAt } from '../matching/matching.service.ts';
import { parseQueueQuery, viewNameField, type QueueQuery } from '../queue/queue.schema.ts';
import { InvalidQueryError, queuePage } from '../queue/queue.service.ts';
import {
  canonicalQuery,
  deleteOwnView,
  MAX_VIEWS_PER_USER,
  saveView,
  viewsOf,
  type SaveViewResult,
} from '../queue/queue-views.service.ts';
import type { StatusCountsCache } from '../queue/status-counts.ts';
import { queueView } from './queue-view.ts';
import { bulkInputOf, bulkPanelView, bulkSummary, parseBulkForm, type BulkForm } from './queue-bulk.ts';

const LIVE_POLL_MS = 3_000;

/**
 * The console's home: the queue (GET /desk) with the technician's saved views as tabs (saved and
 * deleted here), and a stream telling it when new results arrive.
 */
export function deskRoutes(deps: WebDeps, counts: StatusCountsCache): Router {
  const router = Router();
  const readQuery = (from: unknown) => parseQueueQuery(from, (m) => new InvalidQueryError(m));

  router.get('/desk', requireSession('technician'), async (req, res) => {
    await showQueue(deps, counts, req, res, readQuery(req.query));
  });

  // The page's filters and sort come as hidden fields, so a view saves what the page showed.
  router.post('/desk/views', requireSession('technician'), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const query = readQuery(body);
    const typed = typeof body.name === 'string' ? body.name : '';
    const name = viewNameField.safeParse(body.name);
    const result: SaveViewResult | { kind: 'bad_name'; message: string } = name.success
      ? await saveView(deps.db, res.locals.user!.id, { name: name.data, query })
      : { kind: 'bad_name', message: name.error.issues[0]!.message };
    if (result.kind === 'saved') {
      setFlash(req, `Saved the view “${result.view.name}”.`);
      res.redirect(303, `/desk?${result.view.query}`);
      return;
    }
    await showQueue(
      deps,
      counts,
      req,
      res,
      query,
      { saving: { error: saveProblem(result), name: typed } },
      422,
    );
  });

  router.post('/desk/views/:id/delete', requireSession('technician'), async (req, res) => {
    const param = String(req.params.id);
    const deleted = /^\d{1,15}$/.test(param)
      ? await deleteOwnView(deps.db, res.locals.user!.id, Number(param))
      : undefined;
    if (!deleted) throw new NotFoundError('You have no such view: it may have been deleted already.');
    setFlash(req, `Deleted the view “${deleted.name}”.`);
    res.redirect(303, '/desk');
  });

  // The ticked rows, one action: each request acts on its own (bulkAct); back to the same queue
  // with what was done and each refusal. A form that cannot act is shown again, rows still ticked.
  router.post('/desk/bulk', requireSession('technician'), async (req, res) => {
    const form = parseBulkForm(req.body);
    const query = backQuery(form.back);
    let summary: ReturnType<typeof bulkSummary>;
    try {
      const input = bulkInputOf(form);
      const results = await bulkAct(deps, res.locals.user!, input, form.idempotency_key);
      summary = bulkSummary(form.action as BulkActionType, results, form.to);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      await showQueue(deps, counts, req, res, query, { bulk: { error: error.message, form } }, error.status);
      return;
    }
    setFlash(req, summary.message, summary.details);
    const back = canonicalQuery(query);
    res.redirect(303, back ? `/desk?${back}` : '/desk');
  });

  // Server-sent events: `matched` whenever a match result newer than the page's arrives.
  router.get('/desk/live', requireSession('technician'), async (req, res) => {
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.flushHeaders();
    let seen = await latestMatchAt(deps.db);
    const timer = setInterval(() => {
      latestMatchAt(deps.db)
        .then((latest) => {
          if (latest && latest !== seen)
            res.write(`event: matched\ndata: ${JSON.stringify({ at: latest })}\n\n`);
          else res.write(': still here\n\n');
          seen = latest;
        })
        .catch((error: unknown) => req.log.warn({ err: error }, 'live queue update failed'));
    }, LIVE_POLL_MS);
    // An open page must never keep a stopping process alive (a test's desk stopped under it
    // once kept its process waiting forever); the response's close is when the page goes.
    timer.unref();
    res.on('close', () => clearInterval(timer));
  });

  return router;
}

/** The queue the bulk form came from (its filters and sort); the default queue if it is not one. */
function backQuery(back: string | undefined): QueueQuery {
  const fallback = parseQueueQuery({}, (m) => new Error(m));
  try {
    return parseQueueQuery(Object.fromEntries(new URLSearchParams(back ?? '')), (m) => new Error(m));
  } catch {
    return fallback;
  }
}

/** What a refused form sent, to show again beside its sentence. */
interface Kept {
  saving?: { error: string; name: string };
  bulk?: { error: string; form: BulkForm };
}

/** The queue page, or (`?fragment=rows`, for the page's scripts) only what is below the filters. */
async function showQueue(
  deps: WebDeps,
  counts: StatusCountsCache,
  req: Request,
  res: Response,
  query: QueueQuery,
  kept: Kept = {},
  status = 200,
): Promise<void> {
  const user = res.locals.user!;
  const supervisor = hasRole(user, 'supervisor');
  const [page, views, assignable, paused] = await Promise.all([
    queuePage(deps.db, counts, query, user.id),
    viewsOf(deps.db, user.id),
    supervisor ? listAssignableUsers(deps.db) : Promise.resolve([]),
    instantRecoveryPause(deps.db),
  ]);
  const ticked = new Set(kept.bulk?.form.ref ?? []);
  const shown = queueView(page, query, views);
  const view = {
    ...shown,
    rows: shown.rows.map((row) => ({ ...row, ticked: ticked.has(row.reference) })),
    saving: kept.saving,
    instantPause: paused && {
      text: `Instant recovery is paused: ${paused.sends ?? '?'} automatic sends in the last hour (limit ${paused.limit ?? '?'}). An admin can resume it.`,
      canResume: hasRole(user, 'admin'),
    },
    // A new key each time the page is drawn: one submit of the form acts once, even if sent twice.
    bulk: {
      ...bulkPanelView(supervisor, assignable, kept.bulk),
      key: randomUUID(),
      back: canonicalQuery(query),
    },
  };
  res.set('Cache-Control', 'no-store');
  if (req.query.fragment === 'rows') {
    const csrfToken = res.locals.csrfToken as unknown;
    res.send(deps.templates.page('desk-queue-rows', { ...view, csrfToken, locale: 'en', layout: 'none' }));
    return;
  }
  renderDeskPage(req, res, deps.templates, 'desk-queue', { title: 'Queue', ...view }, status);
}

function saveProblem(
  result: Exclude<SaveViewResult, { kind: 'saved' }> | { kind: 'bad_name'; message: string },
) {
  switch (result.kind) {
    case 'bad_name':
      return result.message;
    case 'name_taken':
      return 'You already have a view by this name: choose another name.';
    case 'same_filters':
      return `Your view “${result.existing}” already shows these filters in this order.`;
    case 'too_many':
      return `You have ${MAX_VIEWS_PER_USER} views, the most one person may keep: delete one first.`;
    case 'default_filters':
      return 'These are the default filters (All open, due first): change a filter or the sort first.';
  }
}
