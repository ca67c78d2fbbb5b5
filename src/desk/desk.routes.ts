import { Router } from 'express';
import { renderDeskPage } from './desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import type { WebDeps } from '../deps.ts';
import { latestMatchAt } from '../matching/matching.service.ts';
import { parseQueueQuery } from '../queue/queue.schema.ts';
import { InvalidQueryError, queuePage } from '../queue/queue.service.ts';
import type { StatusCountsCache } from '../queue/status-counts.ts';
import { queueView } from './queue-view.ts';

const LIVE_POLL_MS = 3_000;

/** The console's home: the queue (GET /desk), and a stream telling it when new results arrive. */
export function deskRoutes(deps: WebDeps, counts: StatusCountsCache): Router {
  const router = Router();

  router.get('/desk', requireSession('technician'), async (req, res) => {
    const query = parseQueueQuery(req.query, (m) => new InvalidQueryError(m));
    const view = queueView(await queuePage(deps.db, counts, query, res.locals.user!.id), query);
    res.set('Cache-Control', 'no-store');
    // The live script asks for the rows only, to swap them in without a reload.
    if (req.query.fragment === 'rows') {
      res.send(deps.templates.page('desk-queue-rows', { ...view, locale: 'en', layout: 'none' }));
      return;
    }
    renderDeskPage(req, res, deps.templates, 'desk-queue', { title: 'Queue', ...view });
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
