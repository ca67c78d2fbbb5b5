/**
 * The customer's status page as a help desk portal: the whole conversation, the outcome of a
 * closed request in the customer's language, the "keep this link" note only while it matters, and
 * the desk's internal words never shown as such.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { validRequest, type TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let technician: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const INTERNAL =
  /recover_code|waiting_on_customer|pending_approval|estore|retail_box|no_purchase_found|expired_early|\b[a-z]+_[a-z_]+\b(?![^<]*>)/;

function statusPage(reference: string, token: string) {
  return request(desk.app).get(`/requests/${reference}?token=${token}`).expect(200);
}

/** The page's visible text, roughly: tags, attributes and scripts left out. */
function visibleText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

function answer(reference: string, token: string, message: string, file?: string) {
  const req = request(desk.app).post(`/requests/${reference}/reply?token=${token}`).field('message', message);
  return (
    file ? req.attach('attachment', PDF, { filename: file, contentType: 'application/pdf' }) : req
  ).expect(303);
}

describe('the status page', () => {
  it('when support asked twice and the customer answered with a file, then the page shows every question and answer in order, the file by name, and the form for the open question', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const ask = (message: string) =>
      postDecision(desk, technician.token, ticket.reference, { type: 'request_info', message }).expect(200);
    await ask('Which store did you buy it from?');
    await answer(ticket.reference, ticket.token, 'From the online store, in 2024.', 'receipt-2024.pdf');
    await desk.base.db.query(`UPDATE recovery_requests SET status = 'triage' WHERE id = $1`, [ticket.id]);
    await ask('Please send the order confirmation email.');

    const page = await statusPage(ticket.reference, ticket.token);
    const text = visibleText(page.text);
    const order = [
      'Which store did you buy it from?',
      'From the online store, in 2024.',
      'Attached: receipt-2024.pdf',
      'Please send the order confirmation email.',
      'Your answer',
    ].map((s) => text.indexOf(s));
    assert.ok(
      order.every((i) => i >= 0),
      `all there, in order: ${order.join(', ')}\n${text}`,
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    assert.match(text, /Our support team/);
    assert.match(text, /Keep this page’s address/, 'open: the link still matters');
    assert.doesNotMatch(text, INTERNAL);
  });

  it('when the form came with a proof of purchase, then the page names the file and says in words what was asked for', async () => {
    let req = request(desk.app).post('/recover').set('Accept-Language', 'en');
    for (const [key, value] of Object.entries(validRequest({ channel: 'retail_box', order_number: '' })))
      req = req.field(key, String(value));
    const filed = await req.attach('attachment', PDF, {
      filename: 'kassenbon.pdf',
      contentType: 'application/pdf',
    });
    const page = await request(desk.app).get(String(filed.headers.location)).expect(200);
    const text = visibleText(page.text);
    assert.match(text, /Proof of purchase kassenbon\.pdf/);
    assert.match(text, /A boxed copy from a shop/);
    assert.match(text, /My activation code/);
    assert.match(text, /I lost the activation code/);
    assert.match(text, /Online Store UK \(United Kingdom\)/);
    assert.doesNotMatch(text, INTERNAL);
  });

  it('when a German request is rejected with a message, then the page says the outcome and reason in German, shows the message, drops the keep-link note and offers a form to write', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk), { locale: 'de' });
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'reject',
      reason: 'no_purchase_found',
      message: 'Your order number belongs to another store.',
    }).expect(200);
    const page = await statusPage(ticket.reference, ticket.token);
    const text = visibleText(page.text);
    assert.match(text, /Status: Geschlossen/);
    assert.match(text, /Ergebnis Wir konnten keinen Kauf finden, der zu Ihren Angaben passt\./);
    assert.match(text, /Unser Support-Team .* Your order number belongs to another store\./);
    assert.doesNotMatch(text, /Bewahren Sie die Adresse/);
    assert.match(text, /Schreiben Sie unserem Support-Team/);
    assert.doesNotMatch(text, INTERNAL);
  });

  it('when a request was closed more than 14 days ago, then the page links to a new request instead of a form, and a message is refused without changing anything', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'reject',
      reason: 'duplicate',
    }).expect(200);
    await desk.base.db.query(
      `UPDATE recovery_requests SET closed_at = now() - interval '15 days' WHERE id = $1`,
      [ticket.id],
    );
    const page = await statusPage(ticket.reference, ticket.token);
    assert.doesNotMatch(page.text, /<form method="post" action="\/requests/);
    assert.match(
      page.text,
      /This request is closed\. If you still need help: <a href="\/recover\?lang=en">file a new request<\/a>/,
    );
    assert.match(visibleText(page.text), /This request repeats another request about the same licence/);
    await request(desk.app)
      .post(`/requests/${ticket.reference}/reply?token=${ticket.token}`)
      .type('form')
      .send({ message: 'Hello?' })
      .expect(409);
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'rejected');
    assert.equal(row.types.at(-1), 'rejected');
  });
});
