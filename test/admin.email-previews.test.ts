import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Handlebars from 'handlebars';
import request from 'supertest';
import { EMAIL_SAMPLES, SAMPLE_REFERENCE, sampleContext } from '../src/admin/email-samples.ts';
import { emailTemplates, ENGLISH_ONLY_EMAILS } from '../src/admin/email-preview.service.ts';
import { LOCALES } from '../src/i18n/i18n.ts';
import { NOTIFICATION_KINDS } from '../src/notifications/notification-kinds.ts';
import { loadTemplates, TEMPLATES_DIR } from '../src/templates.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';

const entries = emailTemplates();
const templates = loadTemplates();
// Emails about no request, which have no reference to name ("Email me my codes").
const ABOUT_NO_REQUEST = ['code-lookup'];
const HELPERS = new Set([
  'if',
  'unless',
  'each',
  'with',
  'eq',
  't',
  'concat',
  'array',
  'lookupKey',
  'money',
  'lookup',
]);

/** The context variables a template file reads (helpers, `this` and @data left out). */
function variablesOf(file: string): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as Record<string, unknown> & { type?: string };
    // A partial's name is no variable; the partial reads the same context (its file is checked by rendering).
    if (n.type === 'PartialStatement') return visit([n.params, n.hash]);
    // Inside {{#each list}} names are the items' fields: the list is the variable (its items are
    // checked by rendering the sample).
    if (n.type === 'BlockStatement' && (n.path as hbs.AST.PathExpression).original === 'each')
      return visit(n.params);
    if (n.type === 'PathExpression') {
      const p = n as unknown as hbs.AST.PathExpression;
      if (!p.data && p.parts.length > 0 && !HELPERS.has(p.original)) found.add(p.parts[0]!);
      return;
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'loc') visit(value);
  };
  visit(Handlebars.parse(readFileSync(file, 'utf8')));
  return found;
}

describe('email samples cover every template', () => {
  it('when the templates are listed, then every locale has the same customer templates as English, each with a sample', () => {
    const forCustomers = entries.filter((e) => !e.englishOnly);
    const en = forCustomers.filter((e) => e.locale === 'en').map((e) => e.name);
    assert.ok(en.length >= 8, `found ${en.length} English templates`);
    for (const locale of LOCALES) {
      assert.deepEqual(
        forCustomers.filter((e) => e.locale === locale).map((e) => e.name),
        en,
        `templates in ${locale}`,
      );
    }
    for (const entry of entries) assert.ok(entry.hasSample, `sample data for ${entry.name}`);
  });

  it('when the templates are listed, then the staff’s emails are in English only, like the console', () => {
    for (const name of ENGLISH_ONLY_EMAILS) {
      const locales = entries.filter((e) => e.name === name).map((e) => e.locale);
      assert.deepEqual(locales, ['en'], name);
    }
  });

  it('when a staff notification is rendered for each kind, then each kind says something of its own', () => {
    const sample = EMAIL_SAMPLES['staff-notification']!;
    const rendered = NOTIFICATION_KINDS.map((kind) =>
      templates.email('staff-notification', 'en', sampleContext('staff-notification', kind)!),
    );
    assert.equal(new Set(rendered.map((r) => r.subject)).size, NOTIFICATION_KINDS.length, 'subjects');
    assert.equal(new Set(rendered.map((r) => r.text)).size, NOTIFICATION_KINDS.length, 'texts');
    for (const r of rendered) {
      assert.ok(r.text.includes(String(sample.context.requestUrl)), 'the link to the request');
      assert.doesNotMatch(r.subject, /Notification about/, 'a subject of its kind');
    }
  });

  for (const entry of entries) {
    it(`when ${entry.locale}/${entry.name} is read, then its sample defines every variable it uses`, () => {
      const sample = EMAIL_SAMPLES[entry.name]!.context;
      for (const part of ['subject', 'html', 'text']) {
        const file = path.join(TEMPLATES_DIR, 'emails', entry.locale, `${entry.name}.${part}.hbs`);
        for (const variable of variablesOf(file)) {
          assert.ok(variable in sample, `${entry.locale}/${entry.name}.${part} uses {{${variable}}}`);
        }
      }
    });

    for (const variant of [undefined, ...entry.variants]) {
      it(`when ${entry.locale}/${entry.name}${variant ? ` (${variant})` : ''} is rendered with its sample, then it is whole`, () => {
        const rendered = templates.email(entry.name, entry.locale, sampleContext(entry.name, variant)!);
        const aboutRequest = !ABOUT_NO_REQUEST.includes(entry.name);
        if (aboutRequest)
          assert.ok(
            rendered.subject.includes(SAMPLE_REFERENCE),
            `subject "${rendered.subject}" names the reference`,
          );
        assert.ok(rendered.text.trim().length > 40, 'a text part');
        assert.match(rendered.html, /<html/);
        for (const [part, body] of Object.entries(rendered)) {
          assert.doesNotMatch(body, /\{\{|\}\}/, `no template remnants in the ${part}`);
          assert.doesNotMatch(body, /undefined|\[object Object\]/, `no missing values in the ${part}`);
        }
        if (aboutRequest) {
          assert.ok(rendered.text.includes(SAMPLE_REFERENCE), 'the text part names the reference');
          assert.ok(rendered.html.includes(SAMPLE_REFERENCE), 'the HTML part names the reference');
        }
      });
    }
  }

  it('when a rejection is rendered for each reason, then each reason has a paragraph of its own', () => {
    const texts = EMAIL_SAMPLES['request-rejected']!.variants!;
    for (const locale of LOCALES) {
      const bodies = Object.keys(texts).map(
        (variant) =>
          templates.email('request-rejected', locale, {
            ...sampleContext('request-rejected', variant)!,
            message: undefined,
          }).text,
      );
      assert.equal(new Set(bodies).size, bodies.length, `distinct texts per reason in ${locale}`);
    }
  });
});

describe('the email preview pages', () => {
  let desk: TestDesk;
  let admin: SignedIn;
  before(async () => {
    desk = await startDesk({ workers: false });
    admin = await signInAs(desk.app, desk.base.db, 'admin');
  });
  after(() => desk.stop());

  it('when an admin opens the admin page, then it links to the email previews', async () => {
    const res = await admin.agent.get('/desk/admin').expect(200);
    assert.match(res.text, /href="\/desk\/admin\/emails"/);
  });

  it('when an admin opens the list, then it links to every template in every locale', async () => {
    const res = await admin.agent.get('/desk/admin/emails').expect(200);
    for (const entry of entries) {
      assert.ok(
        res.text.includes(`href="/desk/admin/emails/${entry.locale}/${entry.name}"`),
        `${entry.locale}/${entry.name}`,
      );
    }
  });

  it('when an admin opens one, then it shows the subject, the text part in <pre> and the HTML part in a sandboxed frame', async () => {
    const expected = templates.email('request-info', 'de', sampleContext('request-info')!);
    const res = await admin.agent.get('/desk/admin/emails/de/request-info').expect(200);
    assert.ok(res.text.includes(Handlebars.escapeExpression(expected.subject)), 'the subject');
    const pre = /<pre class="email-text" id="text">([\s\S]*?)<\/pre>/.exec(res.text)?.[1];
    assert.equal(pre, Handlebars.escapeExpression(expected.text));
    assert.match(res.text, /<iframe[^>]+src="\/desk\/admin\/emails\/de\/request-info\/html"[^>]+sandbox=""/);
  });

  it('when the HTML part is fetched, then it is the rendered HTML under a sandboxing CSP', async () => {
    const expected = templates.email('reissue-code', 'ru', sampleContext('reissue-code', 'replaced')!);
    const res = await admin.agent.get('/desk/admin/emails/ru/reissue-code/html?variant=replaced').expect(200);
    assert.equal(
      res.headers['content-security-policy'],
      "sandbox; default-src 'none'; style-src 'unsafe-inline'",
    );
    assert.match(res.headers['content-type']!, /^text\/html/);
    assert.equal(res.text, expected.html);
  });

  it('when a template, locale or variant does not exist, then 404', async () => {
    for (const url of [
      '/desk/admin/emails/en/no-such-email',
      '/desk/admin/emails/fr/request-info',
      '/desk/admin/emails/en/request-info?variant=nope',
      '/desk/admin/emails/en/..%2Flayout/html',
    ]) {
      const res = await admin.agent.get(url);
      assert.equal(res.status, 404, url);
    }
  });

  it('when a technician or a supervisor asks, then 403; anonymous goes to sign-in', async () => {
    for (const role of ['technician', 'supervisor'] as const) {
      const someone = await signInAs(desk.app, desk.base.db, role);
      for (const url of [
        '/desk/admin/emails',
        '/desk/admin/emails/en/request-info',
        '/desk/admin/emails/en/request-info/html',
      ]) {
        assert.equal((await someone.agent.get(url)).status, 403, `${role} ${url}`);
      }
    }
    const res = await request(desk.app).get('/desk/admin/emails/en/request-info/html').expect(303);
    assert.match(res.headers.location!, /^\/desk\/sign-in\?next=/);
  });
});
