import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { translate } from '../src/i18n/i18n.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { purchase } from './helpers/tickets.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk();
});
after(() => desk.stop());

let clients = 0;
const clientAddress = () => `10.8.${Math.floor(++clients / 200)}.${(clients % 200) + 1}`;
const mailbox = (name: string) => `${name}.${randomBytes(4).toString('hex')}@example.com`;

function lookUp(body: unknown, address = clientAddress()) {
  return request(desk.app)
    .post('/api/v1/code-lookups')
    .set('X-Forwarded-For', address)
    .send(body as object);
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await desk.base.db.query<{ n: number }>(sql, params);
  return row!.n;
}
const lookupRows = () => count('SELECT count(*)::int AS n FROM code_lookups');
const auditRows = () => count("SELECT count(*)::int AS n FROM audit_events WHERE action LIKE 'code%'");

async function allLookupsDone(): Promise<void> {
  await waitFor(
    async () => (await count("SELECT count(*)::int AS n FROM code_lookups WHERE status = 'received'")) === 0,
    15_000,
    'every lookup answered',
  );
}

describe('limits', () => {
  it('when one mailbox is looked up a fourth time in a day, however written, then 429 saying so, and nothing more is stored or sent', async () => {
    const local = `gus${randomBytes(3).toString('hex')}`;
    await purchase(desk, { purchaser_email: `${local}@gmail.com` });
    const spellings = [
      `${local}@gmail.com`,
      `${local.slice(0, 1)}.${local.slice(1)}+a@gmail.com`,
      `${local}@googlemail.com`,
    ];
    for (const email of spellings) await lookUp({ email }).expect(202);
    const before = await lookupRows();
    const res = await lookUp({ email: `${local.toUpperCase()}+b@gmail.com` }).expect(429);
    assert.equal(res.body.error, 'rate_limited');
    assert.match(res.body.message, /three times today/);
    assert.ok(Number(res.headers['retry-after']) > 3600, 'try again tomorrow');
    assert.equal(await lookupRows(), before, 'no lookup stored');
    await allLookupsDone();
    await waitFor(
      () => desk.smtp.received.filter((m) => spellings.includes(m.to[0]!)).length === 3,
      15_000,
      '3 emails',
    );
    const refused = await desk.base.db.query<{ data: Record<string, unknown> }>(
      "SELECT data FROM audit_events WHERE action = 'code_lookup' AND data ->> 'refused' = 'mailbox_limit'",
    );
    assert.equal(refused.length, 1, 'the refusal is audited');
  });

  it('when an address nobody bought with is looked up a fourth time, then the same 429: the limit tells nothing', async () => {
    const nobody = mailbox('nobody');
    for (let i = 0; i < 3; i++) await lookUp({ email: nobody }).expect(202);
    const res = await lookUp({ email: nobody }).expect(429);
    assert.match(res.body.message, /three times today/);
  });

  it('when one client address looks up an eleventh time in an hour, then 429 saying so, on the API and on the page in its language', async () => {
    const address = clientAddress();
    for (let i = 0; i < 10; i++) await lookUp({ email: mailbox('hal') }, address).expect(202);
    const before = await lookupRows();
    const res = await lookUp({ email: mailbox('hal') }, address).expect(429);
    assert.match(res.body.message, /from this address in the last hour/);
    const page = await request(desk.app)
      .post('/recover/by-email')
      .set('X-Forwarded-For', address)
      .type('form')
      .send({ email: 'ida@example.com', locale: 'de' })
      .expect(429);
    assert.ok(page.text.includes(translate('de', 'lookup.limited.address')));
    assert.ok(page.text.includes('value="ida@example.com"'), 'what was typed is kept');
    assert.equal(await lookupRows(), before);
  });
});

describe('bad input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no email', {}, /required/],
    ['an empty email', { email: '  ' }, /required/],
    ['an email that is no address', { email: 'not-an-address' }, /like name@example.com/],
    ['an email too long', { email: `${'a'.repeat(250)}@example.com` }, /at most 254/],
    ['an email with a control character', { email: 'a\u0000b@example.com' }, /./],
    ['a number', { email: 42 }, /./],
    ['a list', { email: ['a@example.com'] }, /./],
    ['an object', { email: { address: 'a@example.com' } }, /./],
    ['a wrong locale', { email: 'a@example.com', locale: 'fr' }, /./],
  ];
  for (const [what, body, message] of cases) {
    it(`when the API is sent ${what}, then 422 naming the field, and nothing is stored`, async () => {
      const [lookups, audits] = [await lookupRows(), await auditRows()];
      const res = await lookUp(body).expect(422);
      assert.equal(res.body.error, 'validation_failed');
      const [field, text] = Object.entries(res.body.fields as Record<string, string>)[0]!;
      assert.ok(['email', 'locale'].includes(field));
      assert.match(text, message);
      assert.equal(await lookupRows(), lookups);
      assert.equal(await auditRows(), audits);
    });
  }

  it('when the API body is a list, not JSON, or malformed, then 422, 415 or 400, and nothing is stored', async () => {
    const lookups = await lookupRows();
    await lookUp([{ email: 'a@example.com' }]).expect(422);
    await request(desk.app)
      .post('/api/v1/code-lookups')
      .type('form')
      .send({ email: 'a@example.com' })
      .expect(415);
    const bad = await request(desk.app)
      .post('/api/v1/code-lookups')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    assert.equal(bad.body.error, 'malformed_json');
    assert.equal(await lookupRows(), lookups);
  });

  it('when the page is sent no address, then 422 with the message beside the field and the summary, in Russian', async () => {
    const lookups = await lookupRows();
    const res = await request(desk.app)
      .post('/recover/by-email')
      .set('X-Forwarded-For', clientAddress())
      .type('form')
      .send({ email: 'nicht-gültig', locale: 'ru' })
      .expect(422);
    assert.ok(res.text.includes(translate('ru', 'error.email_format')));
    assert.ok(res.text.includes('value="nicht-gültig"'), 'what was typed is kept');
    assert.ok(res.text.includes('id="error-summary"'));
    assert.equal(await lookupRows(), lookups);
  });
});

describe('audit', () => {
  it('when an address is looked up, then an audit entry with the masked address and the client address, never the address itself; and when codes go out, one naming the licences', async () => {
    const email = mailbox('jo');
    const bought = await purchase(desk, { purchaser_email: email });
    await lookUp({ email }, '10.99.0.1').expect(202);
    await allLookupsDone();
    const rows = await desk.base.db.query<{
      action: string;
      subject: string;
      address: string | null;
      data: Record<string, unknown>;
    }>(
      "SELECT action, subject, address, data FROM audit_events WHERE action LIKE 'code%' AND data ->> 'lookup_id' = (SELECT id::text FROM code_lookups WHERE email = $1)",
      [email],
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['code_lookup', 'codes_emailed'],
    );
    assert.equal(rows[0]!.subject, 'j***@example.com');
    assert.equal(rows[0]!.address, '10.99.0.1');
    assert.deepEqual(rows[1]!.data.codes, [bought.license_number]);
    assert.ok(!JSON.stringify(rows).includes(email), 'the clear address is in no audit entry');
    assert.ok(!JSON.stringify(rows).includes(bought.activation_code), 'nor the code');
  });
});

describe('the pages', () => {
  it('when the request form is opened, then it links to the lookup with the question in its language', async () => {
    for (const locale of ['en', 'de', 'ru'] as const) {
      const form = await request(desk.app).get(`/recover?lang=${locale}`).expect(200);
      assert.ok(form.text.includes(`href="/recover/by-email?lang=${locale}"`));
      assert.ok(form.text.includes(translate(locale, 'lookup.link').replace(/'/g, '&#x27;')));
      const page = await request(desk.app).get(`/recover/by-email?lang=${locale}`).expect(200);
      assert.ok(page.text.includes('action="/recover/by-email"'));
      assert.ok(page.text.includes(translate(locale, 'lookup.title')));
    }
  });
});
