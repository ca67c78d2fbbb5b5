import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { isDatabaseUnreachable } from '../db/db.ts';
import { AppError, NotFoundError, UnavailableError } from '../errors.ts';
import { translate, type MessageKey } from '../i18n/i18n.ts';
import type { Templates } from '../templates.ts';
import { pageLocale } from '../requests/page-locale.ts';
import { keptForm, renderPage } from '../requests/customer-page.ts';

/** body-parser's own errors carry a `type` and a 4xx status. */
function fromBodyParser(error: unknown): AppError | undefined {
  const e = error as { type?: string; status?: number };
  if (e.type === 'entity.too.large')
    return new AppError('payload_too_large', 413, 'The request body is too large.');
  if (e.type === 'entity.parse.failed')
    return new AppError('malformed_json', 400, 'The request body is not valid JSON.');
  if (typeof e.type === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('bad_request', e.status, 'The request body could not be read.');
  }
  return undefined;
}

/** The router's own complaint about an address (`/requests/%`: a parameter that is no URI component). */
function fromRouter(error: unknown): AppError | undefined {
  if (error instanceof URIError && (error as { status?: unknown }).status === 400)
    return new AppError('bad_request', 400, 'The address could not be read.');
  return undefined;
}

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json';
}

const PAGE_MESSAGES: Record<number, MessageKey> = {
  404: 'error.page.not_found',
  429: 'error.page.rate_limited',
};

export const notFound: RequestHandler = () => {
  throw new NotFoundError('There is nothing at this address.');
};

/**
 * The console lives at /desk in lower case. Routing ignores case, but the session cookie's path
 * does not: `/DESK` would reach the console's routes (and its error pages) with no session at all,
 * a 500. Another spelling is sent to the same address in lower case (308 keeps the method).
 */
export const consolePathExactly: RequestHandler = (req, res, next) => {
  if (req.originalUrl.startsWith('/desk')) return next();
  // The mount matched `/desk` whatever its case, so the first five characters are that segment.
  res.redirect(308, `/desk${req.originalUrl.slice('/desk'.length)}`);
};

/**
 * After errorHandler: should the error page itself fail, a bare 500, never Express's own page
 * (which shows the stack trace, with the server's paths, outside production).
 */
export const lastResort: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  req.log.error({ err: error }, 'the error page failed');
  if (res.headersSent) return void res.end();
  res.status(500).type('text/plain').send('Something went wrong on our side.');
};

/** Turns every error into JSON `{ error, message }` or an HTML page; unknown errors become a bare 500. */
export function errorHandler(templates: Templates): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const unreachable = isDatabaseUnreachable(error);
    const known =
      error instanceof AppError
        ? error
        : (fromBodyParser(error) ?? fromRouter(error) ?? (unreachable ? new UnavailableError() : undefined));
    if (!known) req.log.error({ err: error }, 'unhandled error');
    if (unreachable) req.log.warn({ err: error }, 'database unreachable; answered 503');
    const status = known?.status ?? 500;
    const body = known
      ? { error: known.code, message: known.message }
      : { error: 'internal_error', message: 'Something went wrong on our side.' };
    if (known) res.set(known.headers);
    if (res.headersSent) return;
    if (wantsJson(req)) {
      res.status(status).json(body);
      return;
    }
    const kept = keptForm(res);
    if (kept) {
      // The form as it was sent, with why it did not go through (README, "Faults").
      const failure = PAGE_MESSAGES[status] ?? 'form.failed';
      renderPage(req, res, templates, kept.page, { ...kept.view, failure }, status);
      return;
    }
    const locale = pageLocale(req);
    renderPage(
      req,
      res,
      templates,
      'error',
      {
        locale,
        title: translate(locale, 'error.page.title'),
        messageKey: PAGE_MESSAGES[status] ?? (status >= 500 ? 'error.page.server' : null),
        message: known?.message,
      },
      status,
    );
  };
}
