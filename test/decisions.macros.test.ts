import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestDesk } from './helpers/desk.ts';
import { csrfFrom, signInAs, postForm, type SignedIn } from './helpers/session.ts';
import {
  decisionFormKey,
  fileMatchedRequest,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

let desk: TestDesk;
let technician: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

interface ApiMacro {
  id: number;
  name: string;
  decision: string;
  reason: string | null;
  texts: Record<string, string>;
}

async function listMacros(): Promise<ApiMacro[]> {
  const res = await request(desk.app)
    .get('/api/v1/macros')
    .set('Authorization', `Bearer ${technician.token}`)
    .expect(200);
  return res.body.macros as ApiMacro[];
}

async function starter(namePart: string): Promise<ApiMacro> {
  const macro = (await listMacros()).find((m) => m.name.includes(namePart));
  assert.ok(macro, `the starter macro “${namePart}”`);
  return macro;
}

/** A macro of the test's own, straight into its table (the admin page has its own test). */
async function ownMacro(fields: { decision: string; reason?: string; archived?: boolean; de?: string }) {
  const [row] = await desk.base.db.query<{ id: number; name: string }>(
    `INSERT INTO macros (name, decision, reason, texts, archived_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END) RETURNING id, name`,
    [
      `test macro ${Math.random().toString(36).slice(2)}`,
      fields.decision,
      fields.reason ?? null,
      JSON.stringify({
        en: 'Dear {{name}}, about {{reference}}: {{status_url}}',
        de: fields.de ?? 'Sehr geehrte/r {{name}}, zu {{reference}}: {{status_url}}',
        ru: 'Уважаемый(ая) {{name}}, по заявке {{reference}}: {{status_url}}',
      }),
      fields.archived ?? false,
    ],
  );
  return row!;
}

/** A matched request in German, filed by the test. */
async function germanRequest() {
  return fileMatchedRequest(desk, await purchase(desk), { locale: 'de', name: 'Jürgen Weiß' });
}

describe('macros in the API', () => {
  it('when a technician lists the macros, then the starter set is there in English, German and Russian and archived macros are not', async () => {
    const archived = await ownMacro({ decision: 'request_info', archived: true });
    const macros = await listMacros();
    for (const part of ['receipt', 'licence key', 'Region-locked', 'Trial licence']) {
      const macro = macros.find((m) => m.name.includes(part));
      assert.ok(macro, part);
      assert.deepEqual(Object.keys(macro.texts).sort(), ['de', 'en', 'ru']);
      for (const text of Object.values(macro.texts)) assert.ok(text.length > 100, `${part}: a real text`);
    }
    assert.equal(macros.find((m) => m.name.includes('Trial'))!.reason, 'trial_license');
    assert.equal(macros.find((m) => m.name.includes('receipt'))!.decision, 'request_info');
    assert.match(macros.find((m) => m.name.includes('receipt'))!.texts.de!, /Kassenbons/);
    assert.match(macros.find((m) => m.name.includes('licence key'))!.texts.ru!, /Справка/);
    assert.ok(!macros.some((m) => m.id === archived.id), 'archived macros are not listed');
    await request(desk.app).get('/api/v1/macros').expect(401);
  });

  it('when a German request gets a question by macro, then the German text arrives with the name and reference filled and a working status link, and the history names the macro', async () => {
    const ticket = await germanRequest();
    const macro = await starter('receipt');
    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      macro: macro.id,
    }).expect(200);
    assert.equal(res.body.status, 'waiting_on_customer');

    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.ok(mail, 'the question arrived');
    const text = mail.parsed.text ?? '';
    assert.match(text, /Kassenbons oder der Rechnung/, 'the German text');
    assert.ok(!text.includes('{{'), 'no placeholder left');
    const links = [...text.matchAll(/http:\/\/desk\.test\/requests\/\S+\?token=\S+/g)].map((m) => m[0]);
    assert.ok(links.length >= 2, 'the macro’s link and the email’s own');
    const macroLink = new URL(/hoch:\n(\S+)/.exec(text)![1]!);
    assert.ok(macroLink.searchParams.get('token'), 'the macro’s link carries a token');
    const page = await request(desk.app).get(`${macroLink.pathname}${macroLink.search}`).expect(200);
    assert.match(page.text, /RD-/);
    assert.ok((mail.parsed.html ?? '').includes('Kassenbons'), 'the HTML part too');

    const row = await ticketRow(desk, ticket.id);
    const event = row.events.at(-1)!;
    assert.equal(event.type, 'info_requested');
    assert.deepEqual(event.data.macro, { id: macro.id, name: macro.name });
    assert.match(String(event.data.message), /\{\{status_url\}\}/, 'the token never enters the history');

    // The recorded copy (what the console and the API show) links to the page without the token.
    const [copy] = await desk.base.db.query<{ text: string }>(
      `SELECT text FROM emails WHERE request_id = $1 AND template = 'request-info'`,
      [ticket.id],
    );
    assert.ok(!copy!.text.includes('token='), 'no token in the recorded copy');
  });

  it('when a German request is rejected by a macro with placeholders, then the reason is the macro’s and its name and reference are filled in', async () => {
    const ticket = await germanRequest();
    const macro = await ownMacro({ decision: 'reject', reason: 'duplicate' });
    await postDecision(desk, technician.token, ticket.reference, { type: 'reject', macro: macro.id }).expect(
      200,
    );
    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    const text = mail!.parsed.text ?? '';
    assert.ok(
      text.includes(`Sehr geehrte/r Jürgen Weiß, zu ${ticket.reference}: http://desk.test/requests/`),
    );
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'rejected');
    assert.equal(row.events.at(-1)!.data.reason, 'duplicate');
    assert.deepEqual(row.events.at(-1)!.data.macro, { id: macro.id, name: macro.name });
  });

  it('when a message is given with a macro, then the message is sent and the macro is recorded as its source', async () => {
    const ticket = await germanRequest();
    const macro = await starter('licence key');
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      macro: macro.id,
      message: 'Bitte senden Sie uns den Lizenzschlüssel (bearbeitet).',
    }).expect(200);
    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.match(mail!.parsed.text ?? '', /\(bearbeitet\)/);
    assert.ok(!(mail!.parsed.text ?? '').includes('ED025601'), 'not the macro’s own text');
    const row = await ticketRow(desk, ticket.id);
    assert.equal((row.events.at(-1)!.data.macro as { id: number }).id, macro.id);
  });

  for (const [what, body] of [
    ['an unknown macro', () => Promise.resolve({ type: 'request_info', macro: 999_999 })],
    [
      'an archived macro',
      async () => ({
        type: 'request_info',
        macro: (await ownMacro({ decision: 'request_info', archived: true })).id,
      }),
    ],
    [
      'a reject macro for a question',
      async () => ({ type: 'request_info', macro: (await starter('Trial')).id }),
    ],
    [
      'a reason other than the macro’s',
      async () => ({ type: 'reject', reason: 'duplicate', macro: (await starter('Trial')).id }),
    ],
    ['a macro id that is not a number', () => Promise.resolve({ type: 'request_info', macro: 'receipt' })],
  ] as const) {
    it(`when a decision names ${what}, then 422 with a clear message and nothing changes`, async () => {
      const ticket = await germanRequest();
      const before = await ticketRow(desk, ticket.id);
      const res = await postDecision(desk, technician.token, ticket.reference, await body(), 'key-1').expect(
        422,
      );
      assert.match(res.body.message, /macro/i);
      const after = await ticketRow(desk, ticket.id);
      assert.equal(after.status, 'triage');
      assert.equal(after.claimed_by, null, 'not even claimed');
      assert.deepEqual(after.types, before.types);
      const [emails] = await desk.base.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM emails WHERE request_id = $1 AND template <> 'request-received'`,
        [ticket.id],
      );
      assert.equal(emails!.n, 0);
    });
  }

  it('when a macro decision is repeated with its Idempotency-Key, then it acts once; the same key with another macro is refused', async () => {
    const ticket = await germanRequest();
    const macro = await starter('receipt');
    const ask = (id: number) =>
      postDecision(
        desk,
        technician.token,
        ticket.reference,
        { type: 'request_info', macro: id },
        'macro-key',
      );
    const first = await ask(macro.id).expect(200);
    const again = await ask(macro.id).expect(200);
    assert.deepEqual(again.body, first.body);
    await ask((await starter('licence key')).id).expect(422);
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.types.filter((t) => t === 'info_requested').length, 1);
  });
});

describe('macros and the preview on the request page', () => {
  it('when a technician previews a German question by macro, then the page shows the German email and nothing is written or sent', async () => {
    const ticket = await germanRequest();
    const macro = await starter('receipt');
    const page = await technician.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.match(page.text, new RegExp(`<option value="${macro.id}" data-text="Damit wir bestätigen`));
    const key = decisionFormKey(page.text, 'request_info');
    const outboxBefore = await desk.base.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox`);
    const tokensBefore = await desk.base.db
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM status_tokens`)
      .catch(() => [{ n: -1 }]);
    const sinkBefore = desk.smtp.received.length;

    const res = await postForm(technician, `/desk/requests/${ticket.reference}/decisions/preview`, {
      type: 'request_info',
      macro: String(macro.id),
      idempotency_key: key,
    }).expect(200);
    assert.match(res.text, /Preview: the email to .* in German/);
    assert.match(res.text, /Wir brauchen weitere Angaben – Anfrage RD-/, 'the German subject');
    assert.match(res.text, /Kassenbons oder der Rechnung/);
    assert.match(
      res.text,
      new RegExp(`http://desk.test/requests/${ticket.reference}\\s`),
      'the link without a token',
    );
    assert.ok(!res.text.includes('token=preview'));
    assert.match(res.text, /<iframe class="email-html"[^>]*sandbox=""[^>]*srcdoc="&lt;!doctype html&gt;/);
    assert.match(
      res.text,
      new RegExp(`<option value="${macro.id}" data-text="[^"]*" selected>`),
      'the macro stays picked',
    );

    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'triage');
    assert.equal(row.claimed_by, null);
    const outboxAfter = await desk.base.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox`);
    assert.equal(outboxAfter[0]!.n, outboxBefore[0]!.n, 'no outbox row');
    const tokensAfter = await desk.base.db
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM status_tokens`)
      .catch(() => [{ n: -1 }]);
    assert.equal(tokensAfter[0]!.n, tokensBefore[0]!.n, 'no status token issued');
    assert.equal(desk.smtp.received.length, sinkBefore, 'no email');

    // Send from the preview: the same form, posted to the decision.
    await postForm(technician, `/desk/requests/${ticket.reference}/decisions`, {
      type: 'request_info',
      macro: String(macro.id),
      idempotency_key: key,
    }).expect(303);
    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.match(mail!.parsed.subject ?? '', /Wir brauchen weitere Angaben/);
  });

  it('when a technician previews a German rejection with typed text, then the text shows under the German reason, kept in the form', async () => {
    const ticket = await germanRequest();
    const page = await technician.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    const res = await postForm(technician, `/desk/requests/${ticket.reference}/decisions/preview`, {
      type: 'reject',
      reason: 'trial_license',
      message: 'Ein <b>Test</b>.',
      idempotency_key: decisionFormKey(page.text, 'reject'),
    }).expect(200);
    assert.match(res.text, /Testlizenz/);
    assert.match(res.text, /<textarea id="reject-message"[^>]*>Ein &lt;b&gt;Test&lt;\/b&gt;.<\/textarea>/);
    assert.match(res.text, /<option value="trial_license" selected>/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });

  it('when a technician uses a reject macro without scripts, then the page comes back with its German text and its reason filled in', async () => {
    const ticket = await germanRequest();
    const macro = await starter('Trial');
    const page = await technician.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    const res = await postForm(technician, `/desk/requests/${ticket.reference}/decisions/macro`, {
      type: 'reject',
      reason: 'no_purchase_found',
      macro: String(macro.id),
      idempotency_key: decisionFormKey(page.text, 'reject'),
    }).expect(200);
    const typed = /<textarea id="reject-message"[^>]*>([^<]*)<\/textarea>/.exec(res.text)?.[1];
    assert.equal(typed, macro.texts.de!.replaceAll('&', '&amp;'), 'the German text exactly, no spaces added');
    assert.match(res.text, /\{\{status_url\}\}<\/textarea>/, 'the status link stays a placeholder');
    assert.match(res.text, /<option value="trial_license" selected>/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });

  it('when a preview is asked with an archived macro, then the page says so and keeps what was typed', async () => {
    const ticket = await germanRequest();
    const macro = await ownMacro({ decision: 'request_info', archived: true });
    const page = await technician.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    const res = await postForm(technician, `/desk/requests/${ticket.reference}/decisions/preview`, {
      type: 'request_info',
      macro: String(macro.id),
      message: 'Mein Text',
      idempotency_key: decisionFormKey(page.text, 'request_info'),
    }).expect(422);
    assert.match(res.text, /is archived: choose another/);
    assert.match(res.text, />Mein Text<\/textarea>/);
    assert.ok(csrfFrom(res.text));
  });
});
