import type { Request, Response } from 'express';
import { LOCALES, type Locale } from '../i18n/i18n.ts';
import type { Templates } from '../templates.ts';

const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch', ru: 'Русский' };

/**
 * Links to this same page in each language, keeping the rest of the address (a status token, say).
 * The address is read as a path on our own origin: `//host/x` (a 404 page) must not turn into a
 * link to another site, and `//[` must not throw from inside the error page.
 */
function languageLinks(req: Request, current: Locale) {
  const url = new URL(`http://page.invalid/${req.originalUrl.replace(/^\/+/, '')}`);
  const path = url.pathname.replace(/^\/+/, '/');
  return LOCALES.map((locale) => {
    url.searchParams.set('lang', locale);
    return {
      locale,
      name: LANGUAGE_NAMES[locale],
      href: `${path}${url.search}`,
      current: locale === current,
    };
  });
}

type PageContext = Record<string, unknown> & { locale: Locale; title: string };

/**
 * A form page to show again, with what the customer typed, should the request that sent it fail
 * in a way they cannot fix (a 500, a 503): the error handler (http/errors.ts) renders it instead
 * of the bare error page, so nobody loses a filled form.
 */
export interface KeptForm {
  page: string;
  view: PageContext;
}

export function keepFormOnFailure(res: Response, form: KeptForm): void {
  res.locals.keptForm = form;
}

export function keptForm(res: Response): KeptForm | undefined {
  return res.locals.keptForm as KeptForm | undefined;
}

/** Renders a page in the layout, with what every page shows. */
export function renderPage(
  req: Request,
  res: Response,
  templates: Templates,
  name: string,
  context: PageContext,
  status = 200,
): void {
  res
    .status(status)
    .send(templates.page(name, { ...context, languages: languageLinks(req, context.locale) }));
}
