import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { fileCipherOf, storeAttachment } from '../src/requests/attachment-store.ts';
import type { TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import {
  fileMatchedRequest,
  mailText,
  outcomeMails,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

let desk: TestDesk;
let tech: SignedIn & TestUser;
let otherTech: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  otherTech = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

async function openPage(who: SignedIn, reference: string, status = 200): Promise<string> {
  return (await who.agent.get(`/desk/requests/${reference}`).expect(status)).text;
}

/** The hidden idempotency_key of the page's decision form of `type`. */
function formKey(html: string, type: string): string {
  const key = new RegExp(
    `name="type" value="${type}">\\s*<input type="hidden" name="idempotency_key" value="([^"]+)"`,
  ).exec(html)?.[1];
  assert.ok(key, `the page has a ${type} form`);
  return key;
}

function post(who: SignedIn, url: string, fields: Record<string, string>) {
  return who.agent
    .post(url)
    .type('form')
    .send({ _csrf: who.csrfToken, ...fields });
}

async function emailCount(requestId: number): Promise<number> {
  const [row] = await desk.base.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM emails WHERE request_id = $1',
    [requestId],
  );
  return row!.n;
}

describe('the request page', () => {
  it('when a technician opens a matched request, then the claim sits beside the purchase with outcomes, flags in words and the purchase facts, and never the code', async () => {
    const p = await purchase(desk, { purchaser_email: 'jane.buyer@gmail.com' });
    const ticket = await fileMatchedRequest(desk, p, { email: 'someone.else@example.org' });

    const html = await openPage(tech, ticket.reference);
    assert.match(html, new RegExp(`<h1>Request ${ticket.reference}</h1>`));
    assert.match(html, /class="verdict verdict-(strong|partial)"/);
    assert.match(html, /<span class="outcome outcome-match">match<\/span>/);
    assert.match(html, /<th scope="row">Licence number<\/th>/);
    assert.ok(html.includes(p.license_number) && html.includes(p.order_number));
    assert.match(
      html,
      /<span class="flag">other address<\/span> The requester&#x27;s address is not the buyer/,
    );
    assert.match(html, /Small Office Security 7/);
    assert.match(html, /549\.00 GBP/);
    assert.match(html, /First response<\/dt><dd>in \d+ (h|d|min)/);
    assert.match(html, /name="amount" value="549\.00"/, 'the refund is of the price');
    assert.match(html, /<strong>customer<\/strong> filed the request/);
    assert.match(html, /<strong>matcher<\/strong> matched it: (strong|partial) match, score/);
    assert.ok(!html.includes(p.activation_code), 'the code is not on the page');
  });

  it("when the acknowledgement is listed, then its text and HTML view show the status link without the customer's token", async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const html = await openPage(tech, ticket.reference);
    assert.match(html, /<h3>We received your request/);
    // The stored copy links to the status page without the token; the email as sent has it.
    assert.ok(html.includes(`/requests/${ticket.reference}`));
    assert.ok(!html.includes(ticket.token), 'the status token is not on the page');
    const [email] = await desk.base.db.query<{ id: number }>(
      `SELECT id FROM emails WHERE request_id = $1 AND template = 'request-received'`,
      [ticket.id],
    );
    const view = await tech.agent.get(`/desk/emails/${email!.id}`).expect(200);
    assert.ok(!view.text.includes(ticket.token), 'nor in the HTML view');
    assert.ok(view.text.includes(`/requests/${ticket.reference}`));
  });

  it('when the customer typed HTML and script, then the page shows it as text', async () => {
    const ticket = await fileMatchedRequest(desk, null, {
      name: '<img src=x onerror=alert(1)>',
      details: '<script>alert("owned")</script> please',
    });
    const html = await openPage(tech, ticket.reference);
    assert.doesNotMatch(html, /<script>alert|<img src=x/);
    assert.match(html, /&lt;script&gt;alert\(&quot;owned&quot;\)&lt;\/script&gt; please/);
    assert.match(html, /&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;/);
  });

  it('when an unknown reference is opened, then 404; when anonymous, then the sign-in page', async () => {
    await tech.agent.get('/desk/requests/RD-NOPE-0000').expect(404);
    const ticket = await fileMatchedRequest(desk, null);
    const res = await request(desk.app).get(`/desk/requests/${ticket.reference}`).accept('html').expect(303);
    assert.match(res.headers.location ?? '', /^\/desk\/sign-in\?next=/);
  });
});

describe('claims on the page', () => {
  it('when one technician claims, then another sees who holds it, cannot decide until taking over, and every step is in the history', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await post(tech, `/desk/requests/${ticket.reference}/claim`, {}).expect(303);
    const mine = await openPage(tech, ticket.reference);
    assert.match(mine, /You hold this request now\./);
    assert.match(mine, />Release<\/button>/);

    const theirs = await openPage(otherTech, ticket.reference);
    assert.ok(theirs.includes(`<strong>${tech.user.email}</strong>`));
    assert.ok(theirs.includes(`>Take over from ${tech.user.email}</button>`), 'behind a confirmation');
    assert.doesNotMatch(theirs, /name="idempotency_key"/, 'no decision forms while someone else holds it');

    const refused = await post(otherTech, `/desk/requests/${ticket.reference}/claim`, {}).expect(409);
    assert.match(
      refused.text,
      /is claimed by [^<]+ since \d{4}-\d\d-\d\d \d\d:\d\d UTC: take it over only if you must/,
    );
    assert.doesNotMatch(
      refused.text,
      /since \d{4}-\d\d-\d\dT|\{ "takeover"/,
      'a time and advice for people, not for the API',
    );
    await post(otherTech, `/desk/requests/${ticket.reference}/claim`, { takeover: 'true' }).expect(303);
    await post(tech, `/desk/requests/${ticket.reference}/release`, {}).expect(409);
    await post(otherTech, `/desk/requests/${ticket.reference}/release`, {}).expect(303);

    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.claimed_by, null);
    assert.deepEqual(row.types.slice(-3), ['claimed', 'taken_over', 'released']);
    const page = await openPage(tech, ticket.reference);
    assert.ok(page.includes(`<strong>${otherTech.user.email}</strong> took it over from ${tech.user.email}`));
  });

  it('when a form comes without its CSRF token, then 403 and nothing changes', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    await tech.agent.post(`/desk/requests/${ticket.reference}/claim`).type('form').send({}).expect(403);
    assert.equal((await ticketRow(desk, ticket.id)).claimed_by, null);
  });
});

describe('decisions through the page', () => {
  it('when a technician resends the code through the form, twice with the same form, then one email carries the code to the purchaser and the page and its email views never show it', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const html = await openPage(tech, ticket.reference);
    const form = { type: 'reissue', mode: 'resend', to: '', idempotency_key: formKey(html, 'reissue') };

    const first = await post(tech, `/desk/requests/${ticket.reference}/decisions`, form).expect(303);
    assert.equal(first.headers.location, `/desk/requests/${ticket.reference}`);
    await post(tech, `/desk/requests/${ticket.reference}/decisions`, form).expect(303);

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.to, [p.purchaser_email]);
    assert.ok(mailText(mails[0]!).includes(p.activation_code));
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'resolved');
    assert.equal(row.types.filter((t) => t === 'code_sent').length, 1, 'acted once');

    const after = await openPage(tech, ticket.reference);
    assert.match(after, /Code sent to b\*\*\*@example\.com/);
    assert.match(after, /This request is closed\./);
    assert.ok(!after.includes(p.activation_code), 'not on the page');
    assert.match(after, /<pre class="email">[^<]*•••••-•••••-•••••-•••••/, 'the masked copy is listed');
    const [email] = await desk.base.db.query<{ id: number }>(
      `SELECT id FROM emails WHERE request_id = $1 AND template = 'reissue-code'`,
      [ticket.id],
    );
    const view = await tech.agent.get(`/desk/emails/${email!.id}`).expect(200);
    assert.equal(
      view.headers['content-security-policy'],
      "sandbox; default-src 'none'; style-src 'unsafe-inline'",
    );
    assert.match(view.headers['content-type'] ?? '', /^text\/html/);
    assert.ok(!view.text.includes(p.activation_code), 'not in the HTML view');
    assert.match(view.text, /•••••-•••••-•••••-•••••/);
  });

  it('when a trial licence is reissued through a form (the page no longer offers it), then the page shows the rule with 409 and nothing changes', async () => {
    const p = await purchase(desk, { license_type: 'trial' });
    const ticket = await fileMatchedRequest(desk, p);
    const before = await emailCount(ticket.id);
    const html = await openPage(tech, ticket.reference);

    const res = await post(tech, `/desk/requests/${ticket.reference}/decisions`, {
      type: 'reissue',
      mode: 'resend',
      idempotency_key: formKey(html, 'reject'),
    }).expect(409);
    assert.match(res.text, /A trial licence cannot be recovered\./);
    assert.match(res.text, /role="alert"/);
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'triage');
    assert.ok(!row.types.includes('code_sent'));
    assert.equal(await emailCount(ticket.id), before);
  });

  it('when an expired licence is reissued through a form (the page no longer offers it), then the page says the rule in words and the reject form has the renewal reason chosen', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk, { first_activated_at: '2023-01-01' }));
    const html = await openPage(tech, ticket.reference);
    const res = await post(tech, `/desk/requests/${ticket.reference}/decisions`, {
      type: 'reissue',
      mode: 'resend',
      idempotency_key: formKey(html, 'reject'),
    }).expect(409);
    assert.match(res.text, /This licence has expired: send the renewal email instead/);
    assert.doesNotMatch(res.text, /&quot;type&quot;|"type": "reject"/, 'no API body in the sentence');
    assert.match(res.text, /<option value="license_expired" selected>/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });

  it('when a refund of the wrong amount is posted, then 409 with the rule, and the page shows the full price it accepts', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const html = await openPage(tech, ticket.reference);
    const res = await post(tech, `/desk/requests/${ticket.reference}/decisions`, {
      type: 'refund',
      amount: '10.00',
      idempotency_key: formKey(html, 'refund'),
    }).expect(409);
    assert.match(res.text, /The refund must be the purchase price, 549\.00 GBP/);
    assert.match(res.text, /name="amount" value="549\.00"/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });

  it('when a question has no text, then 422 and nothing changes', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const html = await openPage(tech, ticket.reference);
    const res = await post(tech, `/desk/requests/${ticket.reference}/decisions`, {
      type: 'request_info',
      message: '   ',
      idempotency_key: formKey(html, 'request_info'),
    }).expect(422);
    assert.match(res.text, /message/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });
});

describe('notes and attachments', () => {
  it('when a technician adds a note with HTML in it, then it is stored with their address, shown as text in the history and never emailed', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const before = await emailCount(ticket.id);
    const text = 'Called the shop. <script>alert(1)</script><b>bold</b>';
    await post(tech, `/desk/requests/${ticket.reference}/notes`, { text }).expect(303);

    const row = await ticketRow(desk, ticket.id);
    assert.deepEqual(row.events.at(-1), { actor: tech.user.email, type: 'note', data: { text } });
    assert.equal(await emailCount(ticket.id), before, 'no email');
    const html = await openPage(tech, ticket.reference);
    assert.match(html, /added an internal note/);
    assert.match(html, /Called the shop\. &lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;b&gt;bold&lt;\/b&gt;/);
    assert.doesNotMatch(html, /<script>alert\(1\)|<b>bold/);
  });

  it('when a note is empty or too long, then 422 with why, the text kept, and nothing stored', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const empty = await post(tech, `/desk/requests/${ticket.reference}/notes`, { text: '  ' }).expect(422);
    assert.match(empty.text, /Write something before adding a note\./);
    const long = 'x'.repeat(5001);
    const tooLong = await post(tech, `/desk/requests/${ticket.reference}/notes`, { text: long }).expect(422);
    assert.match(tooLong.text, /at most 5000 characters/);
    assert.ok(tooLong.text.includes(`>${long}</textarea>`));
    assert.ok(!(await ticketRow(desk, ticket.id)).types.includes('note'));
  });

  it('when an attachment is downloaded, then it comes as an attachment with its stored type and nosniff, and only under its own request', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const other = await fileMatchedRequest(desk, null);
    const content = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const tempPath = path.join(desk.dataDir, `${ticket.reference}.part`);
    writeFileSync(tempPath, content);
    await desk.base.db.transaction((tx) =>
      storeAttachment(tx, fileCipherOf(desk.base.config), ticket.id, {
        originalName: 'receipt "1".png',
        tempPath,
        size: content.length,
        sha256: 'x',
        contentType: 'image/png',
        extension: 'png',
      }),
    );
    const [row] = await desk.base.db.query<{ id: number }>(
      'SELECT id FROM attachments WHERE request_id = $1',
      [ticket.id],
    );

    const html = await openPage(tech, ticket.reference);
    assert.ok(html.includes(`href="/desk/requests/${ticket.reference}/attachments/${row!.id}"`));
    const res = await tech.agent
      .get(`/desk/requests/${ticket.reference}/attachments/${row!.id}`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.match(res.headers['content-disposition'] ?? '', /^attachment; filename=/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(res.body, content);
    await tech.agent.get(`/desk/requests/${other.reference}/attachments/${row!.id}`).expect(404);
    await request(desk.app).get(`/desk/requests/${ticket.reference}/attachments/${row!.id}`).expect(303);
  });
});
