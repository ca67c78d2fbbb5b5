import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
import {
  decisionFormKey,
  fileMatchedRequest,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

// Issue 13, defect 7: a take-over asks to confirm, and the holder's typed text survives it.

let desk: TestDesk;
let alice: SignedIn & TestUser;
let bob: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  alice = await signInAs(desk.app, desk.base.db, 'technician');
  bob = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

const page = async (who: SignedIn, reference: string) =>
  (await who.agent.get(`/desk/requests/${reference}`).expect(200)).text;

describe('taking a request over (issue 13, defect 7)', () => {
  it('when someone else holds the request, then "Take over" is a confirmation naming the holder, not a one-click button', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await postForm(alice, `/desk/requests/${ticket.reference}/claim`).expect(303);
    const html = await page(bob, ticket.reference);
    const details = /<details class="take-over">([\s\S]*?)<\/details>/.exec(html)?.[1];
    assert.ok(details, 'the take-over sits behind a <details> to open first');
    assert.match(details, /<summary>Take over…<\/summary>/);
    assert.ok(details.includes(`claimed this request`) && details.includes(alice.user.email));
    assert.ok(
      details.includes(`>Take over from ${alice.user.email}</button>`),
      'the confirming button names the holder',
    );
    const outside = html.replace(/<details class="take-over">[\s\S]*?<\/details>/g, '');
    assert.doesNotMatch(outside, /name="takeover"/, 'no take-over button outside the confirmation');
  });

  it("when B takes over while A types a question, then A's Send is refused, nothing is sent, and A's text is on the page with who took it over", async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await postForm(alice, `/desk/requests/${ticket.reference}/claim`).expect(303);
    const html = await page(alice, ticket.reference);
    const key = decisionFormKey(html, 'request_info');
    await postForm(bob, `/desk/requests/${ticket.reference}/claim`, { takeover: 'true' }).expect(303);

    const question = 'Could you send a photo of the receipt? The order number is hard to read.';
    const res = await postForm(alice, `/desk/requests/${ticket.reference}/decisions`, {
      type: 'request_info',
      message: question,
      idempotency_key: key,
    }).expect(409);
    assert.ok(res.text.includes(`${bob.user.email} took this request over: nothing was sent`));
    assert.ok(
      res.text.includes(`readonly>${question.replace(/'/g, '&#x27;')}</textarea>`),
      'the question is kept',
    );
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'triage');
    assert.ok(!row.types.includes('info_requested'));
  });
});
