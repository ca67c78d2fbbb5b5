import type { Request } from 'express';
import { isLocale, LOCALES, type Locale } from '../i18n/i18n.ts';

/** The reader's language: an explicit choice (form field or ?lang=), else Accept-Language, else English. */
export function pageLocale(req: Request, explicit?: unknown): Locale {
  if (isLocale(explicit)) return explicit;
  if (isLocale(req.query.lang)) return req.query.lang;
  const accepted = req.acceptsLanguages(...LOCALES);
  return isLocale(accepted) ? accepted : 'en';
}
