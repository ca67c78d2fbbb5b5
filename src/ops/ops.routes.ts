import { Router } from 'express';
import type { WebDeps } from '../deps.ts';

const PROBE_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

/** 'ok', or what went wrong. */
async function probe(check: () => Promise<unknown>): Promise<string> {
  try {
    await within(check(), PROBE_TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'unreachable';
  }
}

/** Liveness, readiness (database and Redis) and Prometheus metrics. */
export function opsRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [database, redis] = await Promise.all([
      probe(() => deps.db.query('SELECT 1')),
      probe(() => deps.redis.ping()),
    ]);
    const ready = database === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', database, redis });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
