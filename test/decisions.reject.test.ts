import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  getTicket,
  outcomeMails,
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

describe('reject', () => {
  for (const [reason, template, subject, says] of [
    ['no_purchase_found', 'request-rejected', /is closed/, /could not find a purchase/],
    ['trial_license', 'request-rejected', /is closed/, /trial licences cannot be recovered/],
    ['suspected_fraud', 'request-rejected', /is closed/, /could not confirm that you are the owner/],
    ['duplicate', 'request-rejected', /is closed/, /repeats another request/],
    [
      'license_expired',
      'renewal-offer',
      /has expired/,
      /buy a renewal from PC World, where you bought the licence/,
    ],
    ['bought_from_partner', 'ask-your-store', /contact your store/, /please contact PC World/],
  ] as const) {
    it(`when a technician rejects with ${reason}, then the request is rejected and the requester gets the ${template} email`, async () => {
      const p = await purchase(desk, { channel: 'partner', store: 'PC World' });
      const ticket = await fileMatchedRequest(desk, p);

      const res = await postDecision(desk, technician.token, ticket.reference, {
        type: 'reject',
        reason,
      }).expect(200);
      assert.deepEqual(res.body, { reference: ticket.reference, status: 'rejected', reason });

      const row = await ticketRow(desk, ticket.id);
      assert.equal(row.status, 'rejected');
      assert.equal(row.types.at(-1), 'rejected');
      assert.deepEqual(row.events.at(-1)!.data, { reason, email: template });

      const mails = await outcomeMails(desk, ticket.id, ticket.reference);
      assert.equal(mails.length, 1);
      assert.deepEqual(mails[0]!.to, [ticket.email]);
      assert.match(mails[0]!.parsed.subject ?? '', subject);
      assert.match(mails[0]!.parsed.text ?? '', says);
      assert.ok(!mailText(mails[0]!.parsed.text).includes(p.activation_code));

      const view = await getTicket(desk, technician.token, ticket.reference).expect(200);
      assert.ok(view.body.service_levels.closed_at);
      assert.ok(view.body.service_levels.first_responded_at);
    });
  }

  it('when the request is in German and the technician adds a message with markup, then the email is German and the message inert in HTML', async () => {
    const ticket = await fileMatchedRequest(desk, null, { locale: 'de' });
    const message = 'Bitte <a href="http://evil.test">hier</a> klicken & prüfen';
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'reject',
      reason: 'no_purchase_found',
      message,
    }).expect(200);
    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.match(mail!.parsed.subject ?? '', /Ihre Anfrage RD-[0-9A-Z]{8} ist abgeschlossen/);
    assert.ok(mail!.parsed.text?.includes(message), 'as written in plain text');
    assert.ok(!mail!.parsed.html?.includes('<a href="http://evil.test">'));
    assert.ok(mail!.parsed.html?.includes('&lt;a href'));
  });

  it('when the request waits on the customer, then it can still be rejected; a second rejection answers 409', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: 'Receipt?',
    }).expect(200);
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'reject',
      reason: 'no_purchase_found',
    }).expect(200);
    const again = await postDecision(desk, technician.token, ticket.reference, {
      type: 'reject',
      reason: 'no_purchase_found',
    }).expect(409);
    assert.match(again.body.message, /is rejected/);
    assert.equal(
      (await outcomeMails(desk, ticket.id, ticket.reference)).length,
      2,
      'the question and one rejection',
    );
  });

  it('when the reason is not on the list, then 422 and nothing changes', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'reject',
      reason: 'rude',
    }).expect(422);
    assert.match(res.body.message, /reason/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });

  it('when the API token is missing or wrong, then 401 and nothing changes', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    await postDecision(desk, 'not-a-token', ticket.reference, { type: 'reject', reason: 'duplicate' }).expect(
      401,
    );
    await request(desk.app)
      .post(`/api/v1/tickets/${ticket.reference}/decisions`)
      .send({ type: 'reject', reason: 'duplicate' })
      .expect(401);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });
});

function mailText(text: string | undefined): string {
  return text ?? '';
}
