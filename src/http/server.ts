import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createSignInLimits, DEFAULT_SIGN_IN_LIMITS } from '../limits/sign-in-limits.ts';
import type { WebDeps } from '../deps.ts';
import { createPresence } from '../presence/presence.ts';
import { countEmailsByStatus } from '../mail/mail.repository.ts';
import { createMetrics } from '../metrics.ts';
import { countUndispatched } from '../outbox/outbox.repository.ts';
import { startRelay } from '../outbox/outbox.relay.ts';
import { createQueues } from '../queues.ts';
import { connectRedis } from '../redis/redis.ts';
import { createIntakeLimits } from '../limits/intake-limits.ts';
import { createStatusTokenLimits } from '../limits/status-token-limits.ts';
import { createCodeLookupLimits } from '../limits/code-lookup-limits.ts';
import { countRequestsByStatus } from '../requests/requests.repository.ts';
import type { Base } from '../runtime.ts';
import { loadTemplates } from '../templates.ts';
import { createApp } from './app.ts';

export interface Web {
  deps: WebDeps;
  server: Server;
  port: number;
  stop(): Promise<void>;
}

export function buildWebDeps(base: Base): WebDeps {
  const { config, logger, db } = base;
  const redis = connectRedis(base.redisUrl, 'client', logger);
  const queues = createQueues(redis, base.queuePrefix);
  return {
    config,
    logger,
    db,
    redis,
    queues,
    relay: startRelay(db, queues, logger, { listenUrl: db.url }),
    templates: loadTemplates(),
    intakeLimits: createIntakeLimits(redis, {
      prefix: base.queuePrefix,
      perIp: config.intakeLimitPerIp,
      perEmail: config.intakeLimitPerEmail,
      logger,
    }),
    metrics: createMetrics({
      outboxBacklog: () => countUndispatched(db),
      emailsByStatus: () => countEmailsByStatus(db),
      requestsByStatus: () => countRequestsByStatus(db),
    }),
    signInLimits: createSignInLimits(redis, { prefix: base.queuePrefix, ...DEFAULT_SIGN_IN_LIMITS }),
    statusTokenLimits: createStatusTokenLimits(redis, { prefix: base.queuePrefix, logger }),
    codeLookupLimits: createCodeLookupLimits(redis, { prefix: base.queuePrefix, logger }),
    presence: createPresence(redis, base.queuePrefix),
  };
}

/** Serves HTTP on config.port (0 picks a free port) until stop(). */
export async function startWeb(base: Base): Promise<Web> {
  const deps = buildWebDeps(base);
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(base.config.port, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : base.config.port;
  base.logger.info({ port, url: base.config.publicUrl }, 'web listening');
  return {
    deps,
    server,
    port,
    async stop() {
      // Kept-alive connections would go on bringing requests (close() only stops new ones): each
      // answer from now on closes its connection.
      server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
        res.shouldKeepAlive = false;
      });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await deps.relay.stop();
      await deps.queues.close();
      deps.redis.disconnect();
    },
  };
}
