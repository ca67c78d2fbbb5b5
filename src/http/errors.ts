import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { isDatabaseUnreachable } from '../db/db.ts';
import { AppError, NotFoundError, UnavailableError } from '../errors.ts';
import { translate, type MessageKey } from '../i18n/i18n.ts';
import type { Templates } from '../templates.ts';
import { pageLocale } from './locale.ts';
import { renderPage } from './render.ts';

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

/** Turns every error into SPEC §7's JSON error or an HTML page; unknown errors become a bare 500. */
export function errorHandler(templates: Templates): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const unreachable = isDatabaseUnreachable(error);
    const known =
      error instanceof AppError
        ? error
        : (fromBodyParser(error) ?? (unreachable ? new UnavailableError() : undefined));
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
