import type { Request, Response } from 'express';
import { LOCALES, type Locale } from '../i18n/i18n.ts';
import type { Templates } from '../templates.ts';

const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch', ru: 'Русский' };

/** Links to this same page in each language, keeping the rest of the address (a status token, say). */
function languageLinks(req: Request, current: Locale) {
  const url = new URL(req.originalUrl, 'http://page.invalid');
  return LOCALES.map((locale) => {
    url.searchParams.set('lang', locale);
    return {
      locale,
      name: LANGUAGE_NAMES[locale],
      href: `${url.pathname}${url.search}`,
      current: locale === current,
    };
  });
}

/** Renders a page in the layout, with what every page shows. */
export function renderPage(
  req: Request,
  res: Response,
  templates: Templates,
  name: string,
  context: Record<string, unknown> & { locale: Locale; title: string },
  status = 200,
): void {
  res
    .status(status)
    .send(templates.page(name, { ...context, languages: languageLinks(req, context.locale) }));
}
