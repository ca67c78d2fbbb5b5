import type { Request, Response } from 'express';
import { Router } from 'express';
import { renderDeskPage } from './desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import { setFlash } from '../auth/session.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { latestMatchAt } from '../matching/matching.service.ts';
import { parseQueueQuery, viewNameField, type QueueQuery } from '../queue/queue.schema.ts';
import { InvalidQueryError, queuePage } from '../queue/queue.service.ts';
import {
  deleteOwnView,
  MAX_VIEWS_PER_USER,
  saveView,
  viewsOf,
  type SaveViewResult,
} from '../queue/queue-views.service.ts';
import type { StatusCountsCache } from '../queue/status-counts.ts';
import { queueView } from './queue-view.ts';

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
    await showQueue(deps, counts, req, res, query, { error: saveProblem(result), name: typed }, 422);
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

/** The queue page, or (`?fragment=rows`, for the page's scripts) only what is below the filters. */
async function showQueue(
  deps: WebDeps,
  counts: StatusCountsCache,
  req: Request,
  res: Response,
  query: QueueQuery,
  saving?: { error: string; name: string },
  status = 200,
): Promise<void> {
  const userId = res.locals.user!.id;
  const [page, views] = await Promise.all([
    queuePage(deps.db, counts, query, userId),
    viewsOf(deps.db, userId),
  ]);
  const view = { ...queueView(page, query, views), saving };
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
