import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { openBrowser, screenshot, serve, signInThroughForm, skipWithoutChromium } from './helpers/browser.ts';
import type { TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn, postForm } from './helpers/session.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

let desk: TestDesk;
let tech: SignedIn & TestUser;
let supervisor: SignedIn & TestUser;
let otherSupervisor: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
  otherSupervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
});
after(() => desk.stop());

const post = postForm;

/** Proposes a refund of the purchase price through the request page's form, as `who`. */
async function proposeRefund(who: SignedIn): Promise<{ id: number; reference: string; approvalId: number }> {
  const p = await purchase(desk);
  const ticket = await fileMatchedRequest(desk, p);
  const page = (await who.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text;
  const key =
    /name="type" value="refund">\s*<input type="hidden" name="idempotency_key" value="([^"]+)"/.exec(
      page,
    )?.[1];
  assert.ok(key);
  assert.match(page, /name="amount" value="549\.00"/);
  await post(who, `/desk/requests/${ticket.reference}/decisions`, {
    type: 'refund',
    amount: '549.00',
    idempotency_key: key,
  }).expect(303);
  const [approval] = await desk.base.db.query<{ id: number }>(
    `SELECT id FROM approvals WHERE request_id = $1 AND status = 'pending'`,
    [ticket.id],
  );
  assert.ok(approval, 'a pending approval');
  return { id: ticket.id, reference: ticket.reference, approvalId: approval.id };
}

describe('the approvals page', () => {
  it("when a supervisor approves a technician's refund on /desk/approvals, then the purchase is refunded, the request resolved and the purchaser emailed", async () => {
    const proposed = await proposeRefund(tech);
    assert.equal((await ticketRow(desk, proposed.id)).status, 'pending_approval');

    const list = (await supervisor.agent.get('/desk/approvals').expect(200)).text;
    assert.ok(list.includes(`href="/desk/requests/${proposed.reference}"`));
    assert.match(list, /Refund of 549\.00 GBP/);
    assert.ok(list.includes(tech.user.email), 'the proposer is named');
    assert.match(list, /Small Office Security 7/);
    assert.match(list, /<a href="\/desk\/approvals" aria-current="page">Approvals<\/a>/);

    const done = await post(supervisor, `/desk/approvals/${proposed.approvalId}/approve`).expect(303);
    assert.equal(done.headers.location, '/desk/approvals');
    const after = (await supervisor.agent.get('/desk/approvals').expect(200)).text;
    assert.ok(after.includes(`Approved: ${proposed.reference} is resolved.`));
    assert.ok(!after.includes(`href="/desk/requests/${proposed.reference}"`), 'no longer waiting');

    const row = await ticketRow(desk, proposed.id);
    assert.equal(row.status, 'resolved');
    assert.ok(row.types.includes('refund_approved'));
    const [p] = await desk.base.db.query<{ status: string }>(
      `SELECT p.status FROM purchases p JOIN approvals a ON a.purchase_id = p.id WHERE a.id = $1`,
      [proposed.approvalId],
    );
    assert.equal(p!.status, 'refunded');
    const mails = await outcomeMails(desk, proposed.id, proposed.reference);
    assert.equal(mails.length, 1);
  });

  it('when a supervisor opens their own proposal, then it waits for another supervisor, and approving it anyway answers 403 and changes nothing', async () => {
    const proposed = await proposeRefund(supervisor);
    const list = (await supervisor.agent.get('/desk/approvals').expect(200)).text;
    assert.match(list, /Your proposal: waiting for another supervisor\./);
    assert.ok(!list.includes(`action="/desk/approvals/${proposed.approvalId}/approve"`));

    const refused = await post(supervisor, `/desk/approvals/${proposed.approvalId}/approve`).expect(403);
    assert.match(refused.text, /another supervisor must approve it/);
    assert.equal((await ticketRow(desk, proposed.id)).status, 'pending_approval');

    const other = (await otherSupervisor.agent.get('/desk/approvals').expect(200)).text;
    assert.ok(other.includes(`action="/desk/approvals/${proposed.approvalId}/approve"`));
  });

  it('when a supervisor turns a proposal down with a note, then the request is back in triage and the note is in its history', async () => {
    const proposed = await proposeRefund(tech);
    await post(otherSupervisor, `/desk/approvals/${proposed.approvalId}/reject`, {
      note: 'Ask for the <b>invoice</b> first',
    }).expect(303);
    const row = await ticketRow(desk, proposed.id);
    assert.equal(row.status, 'triage');
    assert.deepEqual(row.events.at(-1)!.data, {
      approval_id: proposed.approvalId,
      kind: 'refund',
      note: 'Ask for the <b>invoice</b> first',
    });
    const page = (await tech.agent.get(`/desk/requests/${proposed.reference}`).expect(200)).text;
    assert.match(page, /turned down the refund/);
    assert.match(page, /Ask for the &lt;b&gt;invoice&lt;\/b&gt; first/);
  });

  it("finding 12: when a code is proposed for another address on a stolen receipt's claim, then the approvals page shows the conflict and why, beside the approve button", async () => {
    const p = await purchase(desk);
    // Every purchase fact of the receipt, with the claimant's own mailbox and name.
    const ticket = await fileMatchedRequest(desk, p, { email: 'finder@example.net', name: 'Quentin Blake' });
    const proposed = await postDecision(desk, tech.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
      to: 'finder@example.net',
    }).expect(202);
    const list = (await supervisor.agent.get('/desk/approvals').expect(200)).text;
    const row = list.slice(list.indexOf(`href="/desk/requests/${ticket.reference}"`));
    const cell = row.slice(0, row.indexOf(`/desk/approvals/${proposed.body.approval_id as number}/approve`));
    assert.match(cell, /class="verdict verdict-conflict">conflicting evidence</);
    assert.match(cell, /Neither the requester&#x27;s address nor their name is the buyer&#x27;s/);
  });

  it(
    'when a supervisor opens the approvals page on a 390 px wide phone, then each proposal is a card no wider than the screen',
    { skip: skipWithoutChromium },
    async () => {
      await proposeRefund(tech);
      const server = await serve(desk);
      const browser = await openBrowser();
      try {
        await browser.page.setViewportSize({ width: 390, height: 844 });
        await signInThroughForm(browser.page, server.url, supervisor.user.email, supervisor.password);
        await browser.page.goto(`${server.url}/desk/approvals`);
        await browser.page.getByRole('button', { name: 'Approve' }).first().waitFor();
        const width = await browser.page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `the page is ${width} px wide`);
        await screenshot(browser.page, 'desk-approvals-390');
      } finally {
        await browser.close();
        await server.close();
      }
    },
  );

  it('when a technician opens /desk/approvals or posts an approval, then 403 and no Approvals link; anonymous goes to sign-in', async () => {
    const proposed = await proposeRefund(tech);
    const page = await tech.agent.get('/desk/approvals').expect(403);
    assert.doesNotMatch(page.text, /href="\/desk\/approvals"/);
    await post(tech, `/desk/approvals/${proposed.approvalId}/approve`).expect(403);
    assert.equal((await ticketRow(desk, proposed.id)).status, 'pending_approval');
    const queue = (await tech.agent.get('/desk').expect(200)).text;
    assert.doesNotMatch(queue, /href="\/desk\/approvals"/);

    const anonymous = await request(desk.app).get('/desk/approvals').accept('html').expect(303);
    assert.match(anonymous.headers.location ?? '', /^\/desk\/sign-in\?next=%2Fdesk%2Fapprovals/);
    await request(desk.app).post(`/desk/approvals/${proposed.approvalId}/approve`).expect(401);
  });

  it('when an approval id is not a number or unknown, then 404', async () => {
    await supervisor.agent.get('/desk/approvals').expect(200);
    await post(supervisor, '/desk/approvals/abc/approve').expect(404);
    await post(supervisor, '/desk/approvals/999999999/approve').expect(404);
  });
});
