import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import { Router } from 'express';
import { requireSession } from '../auth/require-session.ts';
import type { WebDeps } from '../deps.ts';
import { ForbiddenError } from '../errors.ts';
import { QUEUE_NAMES } from '../queues.ts';

export const QUEUE_BOARD_PATH = '/desk/admin/queues';

/**
 * Bull Board, the queues' dashboard, for admins. Its page calls its own JSON API with fetch
 * and knows nothing of our `_csrf` field, so it is mounted before csrfProtection and guarded
 * instead by the browser's own word on where a request came from (plus SameSite=Lax).
 */
export function queueBoardRoutes(deps: WebDeps): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(deps.queues.get(name))),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'Desk queues',
        hideDocsLink: true,
        miscLinks: [{ text: 'Back to the desk', url: '/desk/admin' }],
      },
    },
  });
  const router = Router();
  router.use(
    QUEUE_BOARD_PATH,
    requireSession('admin'),
    sameOriginOnly,
    serverAdapter.getRouter() as RequestHandler,
  );
  return router;
}

/**
 * Browsers send Origin with every non-GET request, and Sec-Fetch-Site where they support it;
 * a request that changes something must carry this site's own.
 */
const sameOriginOnly: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const site = req.get('sec-fetch-site');
  const sameSite = site === undefined || site === 'same-origin';
  if (!sameSite || !isOwnOrigin(req.get('origin'), req.get('host'))) {
    throw new ForbiddenError('This request did not come from the desk’s own pages.');
  }
  next();
};

function isOwnOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
