import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LOCALES, type Locale } from '../i18n/i18n.ts';
import { STAFF_NOTIFICATION_TEMPLATE } from '../notifications/notifications.service.ts';
import { TEMPLATES_DIR, type RenderedEmail, type Templates } from '../templates.ts';
import { EMAIL_SAMPLES, sampleContext } from './email-samples.ts';

export interface EmailTemplateEntry {
  locale: Locale;
  name: string;
  /** Whether src/admin/email-samples.ts has sample data for it. */
  hasSample: boolean;
  variants: string[];
  /** Mail to desk staff, English only like the console: no other locale has it. */
  englishOnly: boolean;
}

/** The staff's emails: the customer's are in every locale, these in English only. */
export const ENGLISH_ONLY_EMAILS: readonly string[] = [STAFF_NOTIFICATION_TEMPLATE];

/** Every email template in every locale, from the file names under templates/emails/<locale>/. */
export function emailTemplates(dir = TEMPLATES_DIR): EmailTemplateEntry[] {
  const entries: EmailTemplateEntry[] = [];
  for (const locale of LOCALES) {
    const folder = path.join(dir, 'emails', locale);
    if (!existsSync(folder)) continue;
    const names = new Set(
      readdirSync(folder)
        .map((file) => /^(.+)\.(subject|html|text)\.hbs$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    for (const name of [...names].sort()) {
      const sample = EMAIL_SAMPLES[name];
      entries.push({
        locale,
        name,
        hasSample: sample !== undefined,
        variants: Object.keys(sample?.variants ?? {}),
        englishOnly: ENGLISH_ONLY_EMAILS.includes(name),
      });
    }
  }
  return entries;
}

export interface EmailPreview extends RenderedEmail {
  entry: EmailTemplateEntry;
  variant: string | undefined;
}

/**
 * The template rendered with its sample data, or undefined when there is no such template,
 * sample or variant (the route answers 404).
 */
export function previewEmail(
  templates: Templates,
  entries: EmailTemplateEntry[],
  locale: string,
  name: string,
  variant?: string,
): EmailPreview | undefined {
  const entry = entries.find((e) => e.locale === locale && e.name === name);
  const context = entry ? sampleContext(name, variant) : undefined;
  if (!entry || !context) return undefined;
  return { entry, variant, ...templates.email(name, entry.locale, context) };
}
