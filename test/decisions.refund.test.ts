import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  mailText,
  outcomeMails,
  postApproval,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let technician: TestUser;
let supervisor: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await createUserWithToken(desk.base.db, 'technician');
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
});
after(() => desk.stop());

async function purchaseStatus(id: number): Promise<string> {
  const [row] = await desk.base.db.query<{ status: string }>('SELECT status FROM purchases WHERE id = $1', [
    id,
  ]);
  return row!.status;
}

/** A matched request about a new purchase, and a refund of its price proposed by `by`. */
async function proposedRefund(by: TestUser) {
  const p = await purchase(desk);
  const ticket = await fileMatchedRequest(desk, p);
  const proposed = await postDecision(desk, by.token, ticket.reference, {
    type: 'refund',
    amount: '549.00',
  }).expect(202);
  return { p, ticket, proposed };
}

describe('refund', () => {
  it('when a technician proposes the purchase price, then 202 pending approval, bound to the purchase and amount, and nothing is sent yet', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p, { desired_outcome: 'refund' });

    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'refund',
      amount: '549.00',
    }).expect(202);
    assert.equal(res.body.status, 'pending_approval');
    assert.equal(typeof res.body.approval_id, 'number');

    const [approval] = await desk.base.db.query<{
      purchase_id: number;
      amount: string;
      currency: string;
      status: string;
    }>('SELECT purchase_id, amount::text AS amount, currency, status FROM approvals WHERE id = $1', [
      res.body.approval_id,
    ]);
    assert.deepEqual(approval, { purchase_id: p.id, amount: '549.00', currency: 'GBP', status: 'pending' });
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'pending_approval');
    assert.equal(row.types.at(-1), 'refund_proposed');
    assert.equal(await purchaseStatus(p.id), 'active');
    assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 0);
  });

  it('when another supervisor approves, then the purchase is refunded, its code revoked, the purchaser gets one refund email and the request is resolved', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p, { desired_outcome: 'refund' });
    const proposed = await postDecision(desk, technician.token, ticket.reference, {
      type: 'refund',
      amount: '549',
    }).expect(202);

    const approved = await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(
      200,
    );
    assert.deepEqual(approved.body, {
      approval_id: proposed.body.approval_id,
      status: 'approved',
      reference: ticket.reference,
      request_status: 'resolved',
    });
    assert.equal(await purchaseStatus(p.id), 'refunded');
    const revoked = await desk.base.db.query<{ reason: string }>(
      'SELECT reason FROM activation_code_history WHERE purchase_id = $1',
      [p.id],
    );
    assert.deepEqual(revoked, [{ reason: 'refunded' }]);
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'resolved');
    assert.deepEqual(row.types.slice(-2), ['refund_proposed', 'refund_approved']);
    assert.equal(row.events.at(-1)!.actor, supervisor.user.email);

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.to, [p.purchaser_email]);
    assert.match(mails[0]!.parsed.text ?? '', /£549\.00/, 'the amount as an English reader writes it');
    assert.ok(!mailText(mails[0]!).includes(p.activation_code));

    await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(409);
  });

  it('when the proposer approves their own refund, or a technician approves, then 403 and nothing changes', async () => {
    const { p, ticket, proposed } = await proposedRefund(supervisor);

    const own = await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(403);
    assert.match(own.body.message, /another supervisor/);
    await postApproval(desk, technician.token, proposed.body.approval_id, 'approve').expect(403);
    assert.equal(await purchaseStatus(p.id), 'active');
    assert.equal((await ticketRow(desk, ticket.id)).status, 'pending_approval');
  });

  it('when the purchase record changed after the proposal, then approving answers 409 and changes nothing', async () => {
    const { p, ticket, proposed } = await proposedRefund(technician);
    await desk.base.db.query(`UPDATE purchases SET price = 499.00, updated_at = now() WHERE id = $1`, [p.id]);

    const res = await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(409);
    assert.match(res.body.message, /changed since/);
    assert.equal(await purchaseStatus(p.id), 'active');
    assert.equal((await ticketRow(desk, ticket.id)).status, 'pending_approval');
  });

  it('when a supervisor turns the refund down, then the request returns to triage and the purchase stays as it was', async () => {
    const { p, ticket, proposed } = await proposedRefund(technician);

    const res = await postApproval(desk, supervisor.token, proposed.body.approval_id, 'reject').expect(200);
    assert.equal(res.body.request_status, 'triage');
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'triage');
    assert.equal(row.types.at(-1), 'approval_rejected');
    assert.equal(await purchaseStatus(p.id), 'active');
    await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(409);
  });

  for (const [what, overrides, amount, rule] of [
    ['an amount other than the price', {}, '49.00', /must be the purchase price, 549\.00 GBP/],
    ['a trial licence', { license_type: 'trial' }, '549.00', /trial licence cannot be refunded/],
    ['a partner purchase', { channel: 'partner', store: 'PC World' }, '549.00', /ask their store/],
    ['a retail box', { channel: 'retail_box', store: 'MediaMarkt' }, '549.00', /ask their store/],
    ['an already refunded licence', { status: 'refunded' }, '549.00', /already refunded/],
    ['a revoked licence', { status: 'revoked' }, '549.00', /revoked/],
  ] as const) {
    it(`when the refund is for ${what}, then 409 with the rule and no approval`, async () => {
      const p = await purchase(desk, overrides);
      const ticket = await fileMatchedRequest(desk, p);
      const res = await postDecision(desk, technician.token, ticket.reference, {
        type: 'refund',
        amount,
      }).expect(409);
      assert.match(res.body.message, rule);
      assert.doesNotMatch(res.body.message, /[{}]/, 'a sentence, with no API body in it');
      // A store's purchase points to the decision that sends the "ask your store" email; a trial, to its reject.
      const suggested =
        'channel' in overrides
          ? { type: 'reject', reason: 'bought_from_partner' }
          : 'license_type' in overrides
            ? { type: 'reject', reason: 'trial_license' }
            : undefined;
      assert.deepEqual(res.body.suggested, suggested);
      const approvals = await desk.base.db.query('SELECT 1 FROM approvals WHERE request_id = $1', [
        ticket.id,
      ]);
      assert.equal(approvals.length, 0);
      assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
    });
  }

  it('when the amount is not an amount, then 422', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'refund',
      amount: 'lots',
    }).expect(422);
    assert.match(res.body.message, /amount/);
  });
});
