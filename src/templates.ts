import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { PROJECT_ROOT } from './project-root.ts';
import { isMessageKey, LOCALES, translate, type Locale } from './i18n/i18n.ts';

export const TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates');

type Compiled = Handlebars.TemplateDelegate;
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface Templates {
  page(name: string, context: Record<string, unknown> & { locale: Locale }): string;
  email(name: string, locale: Locale, context: Record<string, unknown>): RenderedEmail;
}

/** Compiles every page, partial and email template once, at start. */
export function loadTemplates(dir = TEMPLATES_DIR): Templates {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  for (const file of hbsFiles(path.join(dir, 'partials'))) {
    hbs.registerPartial(path.basename(file, '.hbs'), readFileSync(file, 'utf8'));
  }
  // preventIndent: Handlebars would otherwise indent every line a partial on an indented line of
  // its own outputs, values included, so a kept message's second line would come back into its
  // textarea (or a preview's <pre>) with spaces that were never typed.
  const compile = (file: string, noEscape = false) =>
    hbs.compile(readFileSync(file, 'utf8'), { strict: false, noEscape, preventIndent: true });

  const layouts = new Map(
    hbsFiles(path.join(dir, 'layouts')).map((f) => [path.basename(f, '.hbs'), compile(f)]),
  );
  const pages = new Map<string, Compiled>();
  for (const file of hbsFiles(path.join(dir, 'pages'))) pages.set(path.basename(file, '.hbs'), compile(file));

  const emailLayout = {
    html: compile(path.join(dir, 'emails', 'layout.html.hbs')),
    text: compile(path.join(dir, 'emails', 'layout.text.hbs'), true),
  };
  const emails = new Map<string, { subject: Compiled; html: Compiled; text: Compiled }>();
  for (const locale of LOCALES) {
    for (const file of hbsFiles(path.join(dir, 'emails', locale))) {
      const name = path.basename(file).replace(/\.(subject|html|text)\.hbs$/, '');
      const at = `${locale}/${name}`;
      if (emails.has(at)) continue;
      const part = (kind: string) => path.join(dir, 'emails', locale, `${name}.${kind}.hbs`);
      emails.set(at, {
        subject: compile(part('subject'), true),
        html: compile(part('html')),
        text: compile(part('text'), true),
      });
    }
  }

  return {
    page(name, context) {
      const page = pages.get(name);
      if (!page) throw new Error(`No page template "${name}"`);
      // context.layout picks another layout, e.g. 'desk' for the technician console.
      const layoutName = typeof context.layout === 'string' ? context.layout : 'main';
      const layout = layouts.get(layoutName);
      if (!layout) throw new Error(`No layout template "${layoutName}"`);
      return layout({ ...context, body: page(context) });
    },
    email(name, locale, context) {
      const email = emails.get(`${locale}/${name}`) ?? emails.get(`en/${name}`);
      if (!email) throw new Error(`No email template "${name}"`);
      const data = { ...context, locale };
      const subject = email.subject(data).replace(/\s+/g, ' ').trim();
      return {
        subject,
        html: emailLayout.html({ ...data, subject, body: email.html(data) }),
        text: emailLayout.text({ ...data, body: email.text(data).trim() }),
      };
    },
  };
}

function hbsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => path.join(dir, f));
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

function registerHelpers(hbs: typeof Handlebars): void {
  // {{t "key" name=value}}: the message in the page's locale (from @root.locale).
  hbs.registerHelper('t', function (key: unknown, options: Handlebars.HelperOptions) {
    const locale = (options.data as { root: { locale: Locale } }).root.locale;
    if (typeof key !== 'string' || !isMessageKey(key)) throw new Error(`Unknown message key ${String(key)}`);
    return translate(locale, key, options.hash as Record<string, string>);
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // {{language "de"}}: "German", the name of a locale for the English-speaking console.
  hbs.registerHelper('language', (code: unknown) =>
    typeof code === 'string' && code ? (languageNames.of(code) ?? code) : '',
  );
  // {{money amount currency}}: "149,00 €" in German, "€149.00" in English, as the reader writes it.
  hbs.registerHelper(
    'money',
    function (amount: unknown, currency: unknown, options: Handlebars.HelperOptions) {
      const locale = (options.data as { root: { locale?: string } }).root.locale ?? 'en';
      const value = Number(amount);
      if (typeof currency !== 'string' || !Number.isFinite(value))
        return `${String(amount)} ${String(currency)}`;
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
    },
  );
  hbs.registerHelper('array', (...args: unknown[]) => args.slice(0, -1));
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  hbs.registerHelper('lookupKey', (obj: unknown, key: unknown) =>
    obj && typeof obj === 'object' && typeof key === 'string'
      ? (obj as Record<string, unknown>)[key]
      : undefined,
  );
}
