import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import { fileMatchedRequest, postDecision, purchase, startDecisionDesk } from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

// Issue 13: internal values are never shown as such in the console (the API keeps them).

let desk: TestDesk;
let tech: SignedIn & TestUser;
let supervisor: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
});
after(() => desk.stop());

/** The text a person reads: tags, attribute values and the query strings of links left out. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

const INTERNAL =
  /\b(recover_code|waiting_on_customer|pending_approval|retail_box|estore|email_differs|buyer_identity_differs|license_expired|expired_early)\b/;

describe('words, not stored values, in the console', () => {
  it('when a request with flags waits for approval, then the queue, the request page and the approvals page say its status, outcome, channel, verdict and flags in words', async () => {
    const p = await purchase(desk, { purchaser_email: 'jane.buyer@example.com' });
    const ticket = await fileMatchedRequest(desk, p, { email: 'jane.new@example.org', reason: 'lost' });
    await postDecision(desk, tech.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
      to: 'jane.new@example.org',
    }).expect(202);

    const queue = (await tech.agent.get(`/desk?status=all&q=${ticket.reference}`).expect(200)).text;
    const queueText = visibleText(queue);
    assert.doesNotMatch(queueText, INTERNAL, 'the queue page');
    assert.match(queueText, /waiting for approval/);
    assert.match(queueText, /wants the code/);
    assert.match(queueText, /other address/);

    const page = visibleText((await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text);
    assert.doesNotMatch(page, INTERNAL, 'the request page');
    assert.match(page, /Sold through online store, Online Store UK/);
    assert.match(page, /lost the code; wants the code/);

    const approvals = visibleText((await supervisor.agent.get('/desk/approvals').expect(200)).text);
    assert.doesNotMatch(approvals, INTERNAL, 'the approvals page');
    assert.match(approvals, /online store, Online Store UK/);

    // The API keeps its values.
    const api = await tech.agent
      .get(`/api/v1/tickets/${ticket.reference}`)
      .set('Authorization', `Bearer ${tech.token}`);
    assert.equal(api.body.status, 'pending_approval');
  });
});
