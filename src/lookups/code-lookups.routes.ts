import { Router, type Request, type Response } from 'express';
import type { WebDeps } from '../deps.ts';
import { AppError, ValidationError, type FieldErrors } from '../errors.ts';
import { translate, type Locale } from '../i18n/i18n.ts';
import { keepFormOnFailure, renderPage } from '../requests/customer-page.ts';
import { pageLocale } from '../requests/page-locale.ts';
import { fieldMessages } from '../requests/request-form.ts';
import { admitLookupFrom, askForCodes, LookupLimitedError } from './code-lookups.service.ts';

/** The lookup page: the form, or (`sent`) the answer every lookup gets. */
function lookupView(locale: Locale, given: { email?: unknown; errors?: FieldErrors; sent?: boolean }) {
  const errors = given.errors ? fieldMessages(locale, given.errors) : {};
  return {
    locale,
    title: translate(locale, 'lookup.title'),
    values: { email: typeof given.email === 'string' ? given.email : '' },
    errors,
    errorList: errors.email
      ? [{ field: 'email', label: translate(locale, 'field.email'), message: errors.email }]
      : [],
    hasErrors: Boolean(errors.email),
    sent: given.sent === true,
  };
}

/**
 * "Email me my codes" (README): `GET/POST /recover/by-email` and `POST /api/v1/code-lookups`. Both
 * answer the same words and status whether or not anything belongs to the address: the work that
 * could tell is the `code-lookup` job's.
 */
export function codeLookupRoutes(deps: WebDeps): Router {
  const router = Router();

  router.get('/recover/by-email', (req, res) => {
    const locale = pageLocale(req);
    renderPage(
      req,
      res,
      deps.templates,
      'recover-by-email',
      lookupView(locale, { sent: req.query.sent === '1' }),
    );
  });

  router.post('/recover/by-email', async (req, res) => {
    const input = (req.body ?? {}) as Record<string, unknown>;
    const locale = pageLocale(req, { chosen: input.locale });
    keepFormOnFailure(res, { page: 'recover-by-email', view: lookupView(locale, { email: input.email }) });
    try {
      await admitLookupFrom(deps, req.ip ?? 'unknown');
      await askForCodes(deps, { input, locale, clientIp: req.ip ?? 'unknown' });
      // Post/redirect/get: reloading the answer does not look the address up again.
      res.redirect(303, `/recover/by-email?sent=1&lang=${locale}`);
    } catch (error) {
      if (error instanceof ValidationError) {
        const view = lookupView(locale, { email: input.email, errors: error.fields });
        return renderPage(req, res, deps.templates, 'recover-by-email', view, 422);
      }
      if (!(error instanceof LookupLimitedError)) throw error;
      res.set(error.headers);
      const limited = translate(locale, `lookup.limited.${error.scope}`);
      renderPage(
        req,
        res,
        deps.templates,
        'recover-by-email',
        { ...lookupView(locale, { email: input.email }), limited },
        429,
      );
    }
  });

  router.post('/api/v1/code-lookups', async (req: Request, res: Response) => {
    if (!req.is('application/json'))
      throw new AppError('unsupported_media_type', 415, 'Send the request as application/json.');
    const locale = pageLocale(req, { chosen: (req.body as Record<string, unknown> | undefined)?.locale });
    await admitLookupFrom(deps, req.ip ?? 'unknown');
    try {
      await askForCodes(deps, { input: req.body, locale, clientIp: req.ip ?? 'unknown' });
      res.status(202).json({ status: 'accepted', message: translate(locale, 'lookup.sent') });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      res
        .status(422)
        .json({ error: error.code, message: error.message, fields: fieldMessages(locale, error.fields) });
    }
  });

  return router;
}
