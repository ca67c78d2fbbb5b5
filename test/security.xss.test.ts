/**
 * Customer text is inert everywhere the desk shows or sends it. One request carries script and
 * attribute-breaking markup in every free-text field (name, store, details, order number), a
 * technician's question, the customer's answer and an internal note; each value starts with a
 * marker word, so a test can tell both that the value is shown (escaped) and that it is nowhere raw.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Handlebars from 'handlebars';
import request from 'supertest';
import { emailTemplates } from '../src/admin/email-preview.service.ts';
import { sampleContext } from '../src/admin/email-samples.ts';
import { loadTemplates } from '../src/templates.ts';
import type { TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
  type FiledTicket,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
/** A field's hostile value: the marker before each payload. */
const hostile = (marker: string) => `${marker}${SCRIPT} ${marker}${IMG}`;
const ORDER = `ORD${IMG}`; // order numbers are 3 to 40 characters

/** No payload raw: no script element, no element with an event handler from it. */
function assertNothingRaw(html: string, where: string): void {
  assert.doesNotMatch(html, /<script>alert\(1\)<\/script>/i, `${where}: a raw <script>`);
  assert.doesNotMatch(html, /<img src=x onerror/i, `${where}: a raw <img onerror>`);
  assert.doesNotMatch(html, /"><img/i, `${where}: an attribute broken out of`);
}

/** The marker's value is shown, escaped (so the check above looked at the real thing). */
function assertShownEscaped(html: string, marker: string, where: string): void {
  for (const part of [`${marker}${SCRIPT}`, `${marker}${IMG}`]) {
    assert.ok(
      html.includes(Handlebars.escapeExpression(part)),
      `${where}: ${marker}'s value shown escaped (${Handlebars.escapeExpression(part)})`,
    );
  }
}

let desk: TestDesk;
let tech: SignedIn & TestUser;
let admin: SignedIn & TestUser;
let ticket: FiledTicket;
let statusPageWhileWaiting = '';

before(async () => {
  desk = await startDecisionDesk();
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  admin = await signInAs(desk.app, desk.base.db, 'admin');
  const p = await purchase(desk);
  ticket = await fileMatchedRequest(desk, p, {
    name: hostile('NAME'),
    store: hostile('STORE'),
    details: hostile('DETAILS'),
    order_number: ORDER,
  });
  // A question; the status page shows it while the request waits on the customer.
  const asked = await postDecision(desk, tech.token, ticket.reference, {
    type: 'request_info',
    message: hostile('ASK'),
  });
  assert.equal(asked.status, 200, JSON.stringify(asked.body));
  statusPageWhileWaiting = (
    await request(desk.app).get(`/requests/${ticket.reference}?token=${ticket.token}`).expect(200)
  ).text;
  // The customer's answer, which takes the request back to triage.
  await request(desk.app)
    .post(`/requests/${ticket.reference}/reply?token=${ticket.token}`)
    .type('form')
    .send({ message: hostile('REPLY') })
    .expect(303);
  await waitFor(async () => (await ticketRow(desk, ticket.id)).status === 'triage', 15_000, 'triage again');
  await tech.agent
    .post(`/desk/requests/${ticket.reference}/notes`)
    .type('form')
    .send({ _csrf: tech.csrfToken, text: hostile('NOTE') })
    .expect(303);
  // Closed with the "ask your store" email, which names the store and carries a message.
  const rejected = await postDecision(desk, tech.token, ticket.reference, {
    type: 'reject',
    reason: 'bought_from_partner',
    message: hostile('BYE'),
  });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
});
after(() => desk.stop());

describe('customer text on pages', () => {
  it('when the customer opens the status page, then their fields and the question are shown escaped', () => {
    assertNothingRaw(statusPageWhileWaiting, 'status page');
    for (const marker of ['NAME', 'STORE', 'DETAILS', 'ASK'])
      assertShownEscaped(statusPageWhileWaiting, marker, 'status page');
    assert.ok(
      statusPageWhileWaiting.includes(Handlebars.escapeExpression(ORDER)),
      'the order number, escaped',
    );
  });

  it('when a technician searches the queue for it, then the name is shown escaped', async () => {
    const html = (await tech.agent.get(`/desk?status=all&q=${ticket.reference}`).expect(200)).text;
    assert.ok(html.includes(ticket.reference), 'the request is on the page');
    assertNothingRaw(html, 'queue page');
    assertShownEscaped(html, 'NAME', 'queue page');
  });

  it('when a technician opens the request page, then every field, the question, the answer, the note and the message are escaped', async () => {
    const html = (await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text;
    assertNothingRaw(html, 'request page');
    for (const marker of ['NAME', 'STORE', 'DETAILS', 'ASK', 'REPLY', 'NOTE', 'BYE'])
      assertShownEscaped(html, marker, 'request page');
    assert.ok(html.includes(Handlebars.escapeExpression(ORDER)), 'the order number, escaped');
  });

  it('when a technician views each stored email’s HTML, then it is escaped and sandboxed', async () => {
    const emails = await desk.base.db.query<{ id: number; template: string }>(
      'SELECT id, template FROM emails WHERE request_id = $1 ORDER BY id',
      [ticket.id],
    );
    assert.deepEqual(
      emails.map((e) => e.template),
      ['request-received', 'request-info', 'ask-your-store'],
    );
    for (const email of emails) {
      const res = await tech.agent.get(`/desk/emails/${email.id}`).expect(200);
      assert.match(res.headers['content-security-policy']!, /^sandbox/);
      assertNothingRaw(res.text, `stored ${email.template}`);
      assertShownEscaped(res.text, 'NAME', `stored ${email.template}`);
    }
  });
});

describe('customer text in emails', () => {
  it('when the desk sends its emails, then every HTML part has the text escaped (at the SMTP server)', async () => {
    await outcomeMails(desk, ticket.id, ticket.reference); // waits for every email of the request to leave
    // The customer's emails, not the holder's notification of the answer (notifications.triggers).
    const mails = desk.smtp.received.filter(
      (m) => m.parsed.subject?.includes(ticket.reference) && !m.to.includes(tech.user.email),
    );
    assert.equal(mails.length, 3, mails.map((m) => m.parsed.subject).join(' | '));
    const expected: Record<string, string[]> = {
      'request-received': ['NAME'],
      'request-info': ['NAME', 'ASK'],
      'ask-your-store': ['NAME', 'STORE', 'BYE'],
    };
    const rows = await desk.base.db.query<{ subject: string; template: string }>(
      'SELECT subject, template FROM emails WHERE request_id = $1',
      [ticket.id],
    );
    for (const mail of mails) {
      const template = rows.find((r) => r.subject === mail.parsed.subject)?.template ?? '?';
      const html = mail.parsed.html ?? '';
      assert.ok(html.length > 0, `${template} has an HTML part`);
      assertNothingRaw(html, `${template} email`);
      for (const marker of expected[template] ?? ['(unknown template)'])
        assertShownEscaped(html, marker, `${template} email`);
      assert.doesNotMatch(mail.parsed.subject ?? '', /<script|<img/i, `${template} subject`);
    }
  });

  it('when any template in any locale gets markup in every value, then its HTML part escapes all of it', () => {
    const templates = loadTemplates();
    for (const entry of emailTemplates()) {
      const context = Object.fromEntries(
        Object.entries(sampleContext(entry.name)!).map(([key, value]) => [
          key,
          typeof value === 'string' ? hostile(key.toUpperCase()) : value,
        ]),
      );
      const rendered = templates.email(entry.name, entry.locale, context);
      assertNothingRaw(rendered.html, `${entry.locale}/${entry.name}`);
      // Each email shows its request's reference; the lookup's, about no request, shows a code.
      const shown = entry.name === 'code-lookup' ? 'CODE1' : 'REFERENCE';
      assertShownEscaped(rendered.html, shown, `${entry.locale}/${entry.name}`);
    }
  });
});

describe('the admin email preview', () => {
  it('when an admin previews every template, then no page or HTML part carries markup from its data', async () => {
    for (const entry of emailTemplates()) {
      const page = (await admin.agent.get(`/desk/admin/emails/${entry.locale}/${entry.name}`).expect(200))
        .text;
      assertNothingRaw(page, `preview ${entry.locale}/${entry.name}`);
      // The text part is rendered unescaped (it is plain text): in the page it must be escaped again.
      const pre = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(page)?.[1];
      assert.ok(pre, 'the text part is in a <pre>');
      assert.doesNotMatch(pre, /</, `preview ${entry.locale}/${entry.name}: the <pre> holds text only`);
    }
    // The request-info sample quotes "<ES-…>": shown as text in the page and in the HTML part.
    const page = (await admin.agent.get('/desk/admin/emails/en/request-info').expect(200)).text;
    assert.ok(page.includes('&lt;ES-2024-29324734&gt;'), 'the text part, escaped in the page');
    const html = (await admin.agent.get('/desk/admin/emails/en/request-info/html').expect(200)).text;
    assert.ok(html.includes('&lt;ES-2024-29324734&gt;'), 'the HTML part, escaped');
    assert.ok(!html.includes('<ES-2024'), 'no raw element in the HTML part');
  });
});
