/**
 * Every decision email to the requester gives its real next step, with a link that works: the
 * status page (a fresh token of its own), the form for a new request, or the store that sold the
 * licence. Read as the customer reads it: the email that arrived at a real SMTP server, and the
 * page its link opens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestDesk } from './helpers/desk.ts';
import type { ReceivedMail } from './helpers/smtp.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { signInAs } from './helpers/session.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let technician: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

/** The HTML part with Handlebars' escaped `=` read back, as a browser reads it. */
function htmlOf(mail: ReceivedMail): string {
  return (mail.parsed.html ?? '').replace(/&#x3D;/g, '=');
}

/** The link to the request's status page, as it appears in both parts of the email. */
function statusLink(mail: ReceivedMail, reference: string): string {
  const pattern = new RegExp(`http://desk\\.test/requests/${reference}\\?token=[\\w-]{43}`);
  const inText = pattern.exec(mail.parsed.text ?? '')?.[0];
  assert.ok(inText, `the text part links to the status page:\n${mail.parsed.text}`);
  assert.ok(htmlOf(mail).includes(`href="${inText}"`), 'the HTML part links to it too');
  return inText.replace('http://desk.test', '');
}

async function decide(
  body: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
  columns: Record<string, string> = {},
) {
  const bought = await purchase(desk, columns);
  const ticket = await fileMatchedRequest(desk, bought, overrides);
  await postDecision(desk, technician.token, ticket.reference, body).expect(200);
  const mails = await outcomeMails(desk, ticket.id, ticket.reference);
  return { ticket, bought, mails };
}

describe('decision emails give the next step', () => {
  it('when a request is rejected (no purchase found), then the email links to the status page, which shows the outcome and reason, and to the form for a new request', async () => {
    const { ticket, mails } = await decide(
      { type: 'reject', reason: 'no_purchase_found' },
      { name: 'Anna Berg' },
    );
    assert.equal(mails.length, 1);
    const text = mails[0]!.parsed.text ?? '';
    assert.match(text, /^Hello Anna Berg,\n\nWe have looked at your request/, 'natural English');
    assert.match(text, /http:\/\/desk\.test\/recover\?lang=en/, 'the form for a new request');
    assert.ok(htmlOf(mails[0]!).includes('href="http://desk.test/recover?lang=en"'));
    const page = await request(desk.app).get(statusLink(mails[0]!, ticket.reference)).expect(200);
    assert.match(page.text, /Closed/);
    assert.match(page.text, /We could not find a purchase that matches the details you gave/);
  });

  it('when a licence bought as a boxed copy in a shop has expired, then the renewal offer sends the customer to that shop, not to "our online store", and links to the status page', async () => {
    const { ticket, mails } = await decide(
      { type: 'reject', reason: 'license_expired' },
      {},
      { channel: 'retail_box', store: 'MediaMarkt Köln', country: 'DE', first_activated_at: '2020-01-10' },
    );
    const text = mails[0]!.parsed.text ?? '';
    assert.doesNotMatch(text, /online store/i);
    assert.match(text, /MediaMarkt Köln/);
    statusLink(mails[0]!, ticket.reference);
  });

  it('when a licence bought in our online store has expired, then the renewal offer says to renew in our online store', async () => {
    const { ticket, mails } = await decide(
      { type: 'reject', reason: 'license_expired' },
      {},
      { first_activated_at: '2020-01-10' },
    );
    assert.match(mails[0]!.parsed.text ?? '', /renew .*in our online store/i);
    statusLink(mails[0]!, ticket.reference);
  });

  it('when the code goes to the purchaser at another address, then the requester’s notice links to the status page, where they can write back, which reopens the request', async () => {
    const { ticket, mails } = await decide(
      { type: 'reissue', mode: 'resend' },
      { email: 'anna.new@example.org', name: 'Anna Berg' },
      { purchaser_email: 'anna.old@gmail.com', purchaser_name: 'Anna Berg' },
    );
    const notice = mails.find((m) => m.to[0] === 'anna.new@example.org')!;
    assert.match(notice.parsed.text ?? '', /^Hello Anna Berg,\n\nWe have sent/);
    const link = statusLink(notice, ticket.reference);
    const page = await request(desk.app).get(link).expect(200);
    const html = page.text.replace(/&#x3D;/g, '=');
    assert.match(html, /Resolved/);
    assert.match(html, /a\*\*\*@gmail\.com/, 'the page says where the code went, masked');
    assert.match(
      html,
      /<form method="post" action="\/requests\/[^"]+\/reply\?token=/,
      'a form to write back',
    );

    const replyPath = /action="([^"]+\/reply\?token=[^"]+)"/.exec(html)![1]!;
    await request(desk.app)
      .post(replyPath)
      .type('form')
      .send({ message: 'That mailbox was closed last year. Please use this address.' })
      .expect(303);
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'triage', 'the request is open again for a technician');
    const last = row.events.at(-1)!;
    assert.equal(last.type, 'customer_replied');
    assert.equal(last.data.message, 'That mailbox was closed last year. Please use this address.');
    const after = await request(desk.app).get(link).expect(200);
    assert.match(after.text, /That mailbox was closed last year/, 'the conversation shows what they wrote');
  });

  it('when a German request gets a question in English, then the email labels it as a message from our support team, in German', async () => {
    const bought = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, bought, { locale: 'de' });
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: 'Please send a photo of the receipt.',
    }).expect(200);
    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.match(
      mail!.parsed.text ?? '',
      /Nachricht unseres Support-Teams:\n\nPlease send a photo of the receipt\./,
    );
    assert.match(mail!.parsed.html ?? '', /Nachricht unseres Support-Teams:/);
  });

  it('when a technician opens a German request, then the question and rejection boxes say the customer reads German and carry lang="de"', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk), { locale: 'de' });
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const page = (await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text;
    for (const id of ['info-message', 'reject-message']) {
      assert.match(
        page,
        new RegExp(`<label for="${id}">[^<]*<strong>[^<]*German`),
        `${id}: the language in its label`,
      );
      assert.match(page, new RegExp(`<textarea id="${id}"[^>]* lang="de"`), `${id}: lang="de"`);
    }
  });
});
