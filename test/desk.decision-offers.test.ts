import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import {
  fileMatchedRequest,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';

// Issue 13, defect 6: the request page offers only the decisions the rules allow for the verdict and
// the licence as it is, names the ones they refuse, and makes the safe step the primary button.

let desk: TestDesk;
let tech: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  tech = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

async function openPage(reference: string): Promise<string> {
  return (await tech.agent.get(`/desk/requests/${reference}`).expect(200)).text;
}

const hasForm = (html: string, type: string) => html.includes(`name="type" value="${type}"`);
/** The class of the submit button whose text is `label` ('' when it has none: the primary style). */
function buttonClass(html: string, label: string): string {
  const m = new RegExp(
    `<button type="submit"(?: name="mode" value="\\w+")?(?: class="([^"]*)")?>${label}</button>`,
  ).exec(html);
  assert.ok(m, `a "${label}" button`);
  return m[1] ?? '';
}
const selectedReason = (html: string) => /<option value="(\w+)" selected>/.exec(html)?.[1];

// A claim with the purchase's facts but someone else's mailbox and name: a stolen receipt.
const STRANGER = { email: 'mallory.stone@example.org', name: 'Mallory Stone' };

describe('decisions offered on the request page (issue 13, defect 6)', () => {
  it('when no purchase matched, then neither reissue nor refund is offered, the page says why, and the reject as no purchase found is primary', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const html = await openPage(ticket.reference);
    assert.ok(!hasForm(html, 'reissue'), 'no Resend or Replace');
    assert.ok(!hasForm(html, 'refund'), 'no refund');
    assert.match(html, /Reissue: This request has no matched purchase/);
    assert.equal(selectedReason(html), 'no_purchase_found');
    assert.equal(buttonClass(html, 'Reject'), '', 'the reject is the primary button');
    assert.equal(buttonClass(html, 'Send question'), 'secondary');
  });

  it('when the licence has expired, then no reissue, the renewal reject primary and preselected, and the refund secondary', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk, { first_activated_at: '2023-01-01' }));
    const html = await openPage(ticket.reference);
    assert.ok(!hasForm(html, 'reissue'));
    assert.match(html, /Reissue: This licence has expired/);
    assert.equal(selectedReason(html), 'license_expired');
    assert.equal(buttonClass(html, 'Reject'), '');
    assert.equal(buttonClass(html, 'Propose refund'), 'secondary');
  });

  it('when the licence is a trial, then neither reissue nor refund, and the trial reject primary and preselected', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk, { license_type: 'trial' }));
    const html = await openPage(ticket.reference);
    assert.ok(!hasForm(html, 'reissue') && !hasForm(html, 'refund'));
    assert.match(html, /A trial licence cannot be recovered\./);
    assert.match(html, /A trial licence cannot be refunded\./);
    assert.equal(selectedReason(html), 'trial_license');
    assert.equal(buttonClass(html, 'Reject'), '');
  });

  it('when a partner sold the licence, then no refund (the store refunds), "ask your store" preselected', async () => {
    const ticket = await fileMatchedRequest(
      desk,
      await purchase(desk, { channel: 'partner', store: 'PC World' }),
    );
    const html = await openPage(ticket.reference);
    assert.ok(!hasForm(html, 'refund'));
    assert.match(html, /Refund: Only online-store purchases are refunded here/);
    assert.equal(selectedReason(html), 'bought_from_partner');
    assert.equal(
      buttonClass(html, 'Reject'),
      'danger',
      'the code can still go to the purchaser: rejecting is not the safe default',
    );
  });

  it("when the evidence conflicts (someone else's licence), then no refund of the owner's price, Resend is secondary and the question primary; the API refuses the refund too", async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p, STRANGER);
    const html = await openPage(ticket.reference);
    assert.match(html, /verdict-conflict/);
    assert.ok(!hasForm(html, 'refund'), 'no refund form');
    assert.match(html, /Refund: The evidence conflicts with this purchase/);
    assert.equal(buttonClass(html, 'Resend the code'), 'secondary');
    assert.equal(buttonClass(html, 'Send question'), '', 'asking is the primary step');

    const res = await postDecision(desk, tech.token, ticket.reference, {
      type: 'refund',
      amount: '549.00',
    }).expect(409);
    assert.match(res.body.message, /evidence conflicts/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });

  it('when a refund is offered, then its amount is the full price, shown and not typed, and Resend of a strong match is primary', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const html = await openPage(ticket.reference);
    assert.doesNotMatch(html, /<input type="text"[^>]*name="amount"/, 'no field to type another amount in');
    assert.match(html, /<input type="hidden" name="amount" value="549\.00">/);
    assert.match(html, /<strong class="refund-amount">549\.00 GBP<\/strong>/);
    assert.equal(buttonClass(html, 'Resend the code'), '');
    assert.equal(buttonClass(html, 'Propose refund'), 'secondary');
    assert.equal(buttonClass(html, 'Reject'), 'danger');
  });
});
