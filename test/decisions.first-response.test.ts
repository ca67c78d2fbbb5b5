import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
import {
  decisionFormKey,
  fileMatchedRequest,
  postApproval,
  postDecision,
  purchase,
  startDecisionDesk,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

// Issue 13, defect 11: the first response is the first thing the customer hears, not a proposal.

let desk: TestDesk;
let tech: SignedIn & TestUser;
let supervisor: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
});
after(() => desk.stop());

async function respondedAt(id: number): Promise<Date | null> {
  const [row] = await desk.base.db.query<{ first_responded_at: Date | null }>(
    'SELECT first_responded_at FROM recovery_requests WHERE id = $1',
    [id],
  );
  return row!.first_responded_at;
}

describe('the first response (issue 13, defect 11)', () => {
  it('when a refund is proposed through the console, then the first response is still due; when a supervisor approves it, then it is answered', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const html = (await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text;
    const key = decisionFormKey(html, 'refund');
    await postForm(tech, `/desk/requests/${ticket.reference}/decisions`, {
      type: 'refund',
      amount: '549.00',
      idempotency_key: key,
    }).expect(303);

    assert.equal(await respondedAt(ticket.id), null, 'the customer has heard nothing yet');
    const pending = (await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text;
    assert.match(pending, /First response<\/dt><dd>in \d+ (h|d|min)/);

    const [approval] = await desk.base.db.query<{ id: number }>(
      `SELECT id FROM approvals WHERE request_id = $1 AND status = 'pending'`,
      [ticket.id],
    );
    await postApproval(desk, supervisor.token, approval!.id, 'approve').expect(200);
    assert.ok(await respondedAt(ticket.id), 'the refund email is the first response');
  });

  it('when a code to another address is proposed, then no first response until it is approved', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await postDecision(desk, tech.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
      to: 'new.address@example.org',
    }).expect(202);
    assert.equal(await respondedAt(ticket.id), null);
  });

  it('when a question is sent, then that is the first response', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await postDecision(desk, tech.token, ticket.reference, {
      type: 'request_info',
      message: 'Which shop?',
    }).expect(200);
    assert.ok(await respondedAt(ticket.id));
  });
});
