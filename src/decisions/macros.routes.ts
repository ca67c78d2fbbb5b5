import { Router } from 'express';
import { currentUser } from '../auth/require-token.ts';
import type { WebDeps } from '../deps.ts';
import { activeMacros } from './macros.service.ts';

/**
 * `GET /api/v1/macros`: the macros in use, with their texts per locale (README, Decisions);
 * mounted behind the API token check by src/http/api.ts.
 */
export function macroApiRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/macros', async (_req, res) => {
    const macros = await activeMacros(deps.db, currentUser(res));
    res.set('Cache-Control', 'no-store').json({
      macros: macros.map((m) => ({
        id: m.id,
        name: m.name,
        decision: m.decision,
        reason: m.reason,
        texts: m.texts,
        updated_at: m.updated_at,
      })),
    });
  });
  return router;
}
