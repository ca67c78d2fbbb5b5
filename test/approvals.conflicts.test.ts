import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
import {
  decisionFormKey,
  fileMatchedRequest,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

// Issue 13, defect 13: a send elsewhere and a refund of one licence were both pending and both
// approved. A second proposal on a licence is refused while one waits; pairs left from before are
// flagged on the approvals page and neither is approved until one is turned down.

let desk: TestDesk;
let tech: SignedIn & TestUser;
let supervisor: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
});
after(() => desk.stop());

async function pendingOn(purchaseId: number) {
  return desk.base.db.query<{ id: number; kind: string; request_id: number }>(
    `SELECT id, kind, request_id FROM approvals WHERE purchase_id = $1 AND status = 'pending' ORDER BY id`,
    [purchaseId],
  );
}

/** Two requests for one licence, the first with a code to another address waiting for approval. */
async function sendElsewhereWaiting() {
  const p = await purchase(desk);
  const first = await fileMatchedRequest(desk, p);
  const second = await fileMatchedRequest(desk, p);
  const proposed = await postDecision(desk, tech.token, first.reference, {
    type: 'reissue',
    mode: 'resend',
    to: 'new.mailbox@example.org',
  }).expect(202);
  return { p, first, second, approvalId: proposed.body.approval_id as number };
}

describe('conflicting approvals (issue 13, defect 13)', () => {
  it('when a send elsewhere waits on a licence, then a refund proposed for it through the console is refused naming the waiting approval, and nothing is proposed', async () => {
    const { p, first, second, approvalId } = await sendElsewhereWaiting();
    const html = (await tech.agent.get(`/desk/requests/${second.reference}`).expect(200)).text;
    const key = decisionFormKey(html, 'refund');
    const res = await postForm(tech, `/desk/requests/${second.reference}/decisions`, {
      type: 'refund',
      amount: '549.00',
      idempotency_key: key,
    }).expect(409);
    assert.ok(
      res.text.includes(
        `Approval #${approvalId} (a code sent to another address, for ${first.reference}) already waits on this licence`,
      ),
    );
    assert.deepEqual(
      (await pendingOn(p.id)).map((a) => a.id),
      [approvalId],
    );
    assert.equal((await ticketRow(desk, second.id)).status, 'triage');
  });

  it('when the API proposes a second send elsewhere on the licence, then 409 too', async () => {
    const { second } = await sendElsewhereWaiting();
    const res = await postDecision(desk, tech.token, second.reference, {
      type: 'reissue',
      mode: 'resend',
      to: 'another.one@example.org',
    }).expect(409);
    assert.match(res.body.message, /already waits on this licence/);
  });

  it('when two proposals on one licence wait (left by an older desk), then the approvals page flags both, approving either is refused, and once one is turned down the other is approved', async () => {
    const { p, second, approvalId } = await sendElsewhereWaiting();
    // The row an older desk wrote beside it: a refund of the same licence from the other request.
    const [legacy] = await desk.base.db.query<{ id: number }>(
      `INSERT INTO approvals (request_id, kind, purchase_id, amount, currency, purchase_status, purchase_updated_at, proposed_by)
       SELECT $1, 'refund', id, price, currency, status, updated_at, $3 FROM purchases WHERE id = $2 RETURNING id`,
      [second.id, p.id, tech.user.id],
    );
    await desk.base.db.query(`UPDATE recovery_requests SET status = 'pending_approval' WHERE id = $1`, [
      second.id,
    ]);

    const list = (await supervisor.agent.get('/desk/approvals').expect(200)).text;
    assert.ok(list.includes(`Conflicts with approval #${legacy!.id}</strong> (a refund, for`));
    assert.ok(
      list.includes(`Conflicts with approval #${approvalId}</strong> (a code sent to another address, for`),
    );

    const refused = await postForm(supervisor, `/desk/approvals/${legacy!.id}/approve`).expect(409);
    assert.ok(refused.text.includes(`Approval #${approvalId} (a code sent to another address`));
    assert.match(refused.text, /turn one of them down before approving the other/);
    await postForm(supervisor, `/desk/approvals/${approvalId}/approve`).expect(409);
    assert.equal((await pendingOn(p.id)).length, 2, 'neither approved');

    await postForm(supervisor, `/desk/approvals/${legacy!.id}/reject`, { note: 'conflicts' }).expect(303);
    await postForm(supervisor, `/desk/approvals/${approvalId}/approve`).expect(303);
    assert.equal((await pendingOn(p.id)).length, 0);
  });
});
