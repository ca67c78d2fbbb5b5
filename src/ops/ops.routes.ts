import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { WebDeps } from '../deps.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { pingDatabase } from './ops.repository.ts';

const PROBE_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

/**
 * 'ok' or 'unavailable'. What went wrong (a driver's message, an address) is for the log, not for
 * whoever asks (README "Security", endpoints).
 */
async function probe(req: Request, name: string, check: () => Promise<unknown>) {
  try {
    await within(check(), PROBE_TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    req.log.warn({ err: error, dependency: name }, 'readiness probe failed');
    return 'unavailable';
  }
}

/** Compared as SHA-256 digests: equal lengths for timingSafeEqual, and no timing leak of either. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * /metrics tells volumes and versions and costs three count queries a call: with METRICS_TOKEN
 * set, only a scraper holding it reads them; unset, production hides the page and other modes
 * (a laptop, the tests) keep it open.
 */
function checkMetricsAccess(deps: WebDeps, req: Request): void {
  const token = deps.config.metricsToken;
  if (token === undefined) {
    if (deps.config.env === 'production') throw new NotFoundError('There is nothing at this address.');
    return;
  }
  const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  if (given === undefined || !sameSecret(given, token))
    throw new AppError('unauthorized', 401, 'Send the metrics token as a Bearer token.', {
      'WWW-Authenticate': 'Bearer realm="metrics"',
    });
}

/** Liveness, readiness (database and Redis) and Prometheus metrics. */
export function opsRoutes(deps: WebDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const [database, redis] = await Promise.all([
      probe(req, 'database', () => pingDatabase(deps.db)),
      probe(req, 'redis', () => deps.redis.ping()),
    ]);
    const ready = database === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', database, redis });
  });
  router.get('/metrics', async (req, res) => {
    checkMetricsAccess(deps, req);
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
