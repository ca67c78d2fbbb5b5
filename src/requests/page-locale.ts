import type { Request } from 'express';
import { isLocale, LOCALES, type Locale } from '../i18n/i18n.ts';

/**
 * The reader's language: what they chose in a form, else ?lang=, else the language stored
 * with their request, else Accept-Language, else English.
 */
export function pageLocale(req: Request, given: { chosen?: unknown; stored?: string } = {}): Locale {
  if (isLocale(given.chosen)) return given.chosen;
  if (isLocale(req.query.lang)) return req.query.lang;
  if (isLocale(given.stored)) return given.stored;
  const accepted = req.acceptsLanguages(...LOCALES);
  return isLocale(accepted) ? accepted : 'en';
}
