import { webhookAdminRoutes } from '../admin/webhooks.routes.ts';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { adminRoutes } from '../admin/admin.routes.ts';
import { auditRoutes } from '../admin/audit.routes.ts';
import { emailPreviewRoutes } from '../admin/email-preview.routes.ts';
import { macroAdminRoutes } from '../admin/macros.routes.ts';
import { queueBoardRoutes } from '../admin/queue-board.ts';
import { csrfProtection } from '../auth/csrf.ts';
import { deskErrorPages } from '../desk/desk-errors.ts';
import { deskSession } from '../auth/session.ts';
import { signInRoutes } from '../desk/sign-in.routes.ts';
import { tokenRoutes } from '../desk/tokens.routes.ts';
import type { WebDeps } from '../deps.ts';
import { approvalsPageRoutes } from '../desk/approvals-page.routes.ts';
import { reportsPageRoutes } from '../desk/reports-page.routes.ts';
import { deskRoutes } from '../desk/desk.routes.ts';
import { requestPageRoutes } from '../desk/request-page.routes.ts';
import { inboundPageRoutes } from '../desk/inbound-pages.routes.ts';
import { emailResendRoutes } from '../desk/resend.routes.ts';
import { notificationBell } from '../desk/notification-bell.ts';
import { notificationsPageRoutes } from '../desk/notifications-page.routes.ts';
import { opsRoutes } from '../ops/ops.routes.ts';
import { statusCountsCache } from '../queue/status-counts.ts';
import { requestRoutes } from '../requests/requests.routes.ts';
import { codeLookupRoutes } from '../lookups/code-lookups.routes.ts';
import { satisfactionRoutes } from '../satisfaction/satisfaction.routes.ts';
import { serializeError } from '../logger.ts';
import { PROJECT_ROOT } from '../project-root.ts';
import { purchaseApiRoutes } from '../purchases-api/purchases-api.routes.ts';
import { staffApiRoutes } from './api.ts';
import { consolePathExactly, errorHandler, lastResort, notFound } from './errors.ts';

const BODY_LIMIT = '64kb';

function withoutSecrets(url: string): string {
  return url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]');
}

/** The whole HTTP surface; no listen() and no side effects, so tests mount it directly. */
export function createApp(deps: WebDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Which X-Forwarded-For hops are believed (TRUST_PROXY): req.ip is the client every
  // per-address limit counts, so a proxy on another host must be named here.
  const { trustProxy } = deps.config;
  app.set('trust proxy', typeof trustProxy === 'number' ? trustProxy : [...trustProxy]);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      // Method, path and status only: headers carry tokens, and status links carry one in the query.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: withoutSecrets(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        // The desk logger's own: a database error without the values it quotes.
        err: serializeError,
      },
    }),
  );
  app.use(helmet({ contentSecurityPolicy: { directives: { 'form-action': ["'self'"] } } }));
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { maxAge: '1h' }));
  // Before the app's body parsers: it reads its own bodies, larger, once the token is checked.
  app.use('/api/v1', purchaseApiRoutes(deps));
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT }));

  // The queue's per-status counts, shared by the API and the console, counted at most every few seconds.
  const queueCounts = statusCountsCache(deps.db, deps.logger);

  app.get('/', (_req, res) => res.redirect('/recover'));
  app.use(opsRoutes(deps));
  app.use(requestRoutes(deps));
  app.use(codeLookupRoutes(deps));
  app.use(satisfactionRoutes(deps));
  app.use('/api/v1', staffApiRoutes(deps, queueCounts));
  // The console: sessions and CSRF checks under /desk only (the API and customer pages use no cookies).
  app.use('/desk', consolePathExactly);
  app.use('/desk', deskSession(deps));
  app.use('/desk', notificationBell(deps));
  app.use(queueBoardRoutes(deps)); // checks the origin of its own requests instead of _csrf
  app.use('/desk', csrfProtection());
  app.use(signInRoutes(deps));
  app.use(deskRoutes(deps, queueCounts));
  app.use(requestPageRoutes(deps));
  app.use(inboundPageRoutes(deps));
  app.use(emailResendRoutes(deps));
  app.use(approvalsPageRoutes(deps));
  app.use(tokenRoutes(deps));
  app.use(notificationsPageRoutes(deps));
  app.use(adminRoutes(deps));
  app.use(auditRoutes(deps));
  app.use(emailPreviewRoutes(deps));
  app.use(macroAdminRoutes(deps));
  app.use(reportsPageRoutes(deps));
  app.use(webhookAdminRoutes(deps));
  app.use('/desk', deskErrorPages(deps.templates));

  app.use(notFound);
  app.use(errorHandler(deps.templates));
  app.use(lastResort);
  return app;
}
