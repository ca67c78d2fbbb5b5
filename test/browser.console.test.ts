/**
 * The technician console in Chromium: a technician signs in, finds a strong request in the queue,
 * claims it and reissues the code (which reaches the purchaser's mailbox); a technician proposes a
 * refund and a different supervisor approves it on /desk/approvals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  screenshot,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { fileMatchedRequest, mailText, purchase, startDecisionDesk, ticketRow } from './helpers/tickets.ts';
import { createUserWithToken } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

describe('the technician console in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;

  before(async () => {
    desk = await startDecisionDesk();
    server = await serve(desk);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  async function verdictOf(requestId: number): Promise<string | undefined> {
    const [row] = await desk.base.db.query<{ verdict: string }>(
      'SELECT verdict FROM match_results WHERE request_id = $1',
      [requestId],
    );
    return row?.verdict;
  }

  async function signOut() {
    await browser.page.getByRole('button', { name: 'Sign out' }).click();
    await browser.page.waitForURL(/\/desk\/sign-in/);
  }

  it('when a technician claims a strong request and reissues its code, then the purchaser’s email arrives', async () => {
    const { page } = browser;
    const tech = await createUserWithToken(desk.base.db, 'technician');
    const bought = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, bought);
    assert.equal(await verdictOf(ticket.id), 'strong');

    await signInThroughForm(page, server.url, tech.user.email, tech.password);
    const link = page.getByRole('link', { name: ticket.reference });
    await link.waitFor();
    await screenshot(page, 'console-queue');

    await link.click();
    await page.waitForURL(`${server.url}/desk/requests/${ticket.reference}`);
    assert.match(await page.locator('h1').innerText(), new RegExp(`Request ${ticket.reference}`));
    assert.equal((await page.locator('.verdict').innerText()).trim(), 'strong match');

    await page.getByRole('button', { name: 'Claim' }).click();
    await page.getByRole('status').filter({ hasText: 'You hold this request now.' }).waitFor();
    assert.equal((await ticketRow(desk, ticket.id)).claimed_by, tech.user.id);
    await screenshot(page, 'console-request-page');

    await page.getByRole('button', { name: 'Resend the code' }).click();
    await page.getByRole('status').filter({ hasText: 'The request is resolved.' }).waitFor();
    await screenshot(page, 'console-request-resolved');

    await waitFor(
      () =>
        desk.smtp.received.some(
          (m) => m.to.includes(bought.purchaser_email) && mailText(m).includes(bought.activation_code),
        ),
      15_000,
      'the code at the purchaser’s mailbox',
    );
    const carrying = desk.smtp.received.filter((m) => mailText(m).includes(bought.activation_code));
    assert.equal(carrying.length, 1, 'one email carries the code');
    assert.deepEqual(carrying[0]!.to, [bought.purchaser_email]);
    assert.ok(carrying[0]!.parsed.subject?.includes(ticket.reference));
    assert.ok(!(await page.content()).includes(bought.activation_code), 'the page never shows the code');
    assert.equal((await ticketRow(desk, ticket.id)).status, 'resolved');
    await signOut();
    assert.deepEqual(browser.dialogs, []);
  });

  it('when a technician proposes a refund, then a different supervisor approves it on the approvals page', async () => {
    const { page } = browser;
    const tech = await createUserWithToken(desk.base.db, 'technician');
    const supervisor = await createUserWithToken(desk.base.db, 'supervisor');
    const bought = await purchase(desk, { price: '49.00', currency: 'EUR' });
    const ticket = await fileMatchedRequest(desk, bought, { desired_outcome: 'refund' });

    await signInThroughForm(page, server.url, tech.user.email, tech.password);
    await page.goto(`${server.url}/desk/requests/${ticket.reference}`);
    await page.getByRole('button', { name: 'Claim' }).click();
    await page.getByRole('status').filter({ hasText: 'You hold this request now.' }).waitFor();
    assert.equal(
      (await page.locator('.refund-amount').innerText()).trim(),
      '49.00 EUR',
      'the refund is the price, shown, not typed',
    );
    await page.getByRole('button', { name: 'Propose refund' }).click();
    await page.getByRole('status').filter({ hasText: 'Proposed: waiting for' }).waitFor();
    assert.equal((await ticketRow(desk, ticket.id)).status, 'pending_approval');
    await signOut();

    await signInThroughForm(page, server.url, supervisor.user.email, supervisor.password);
    await page.goto(`${server.url}/desk/approvals`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: ticket.reference }) });
    assert.match(await row.innerText(), /49\.00 EUR/);
    await screenshot(page, 'console-approvals');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Approved: ${ticket.reference}` })
      .waitFor();

    assert.equal((await ticketRow(desk, ticket.id)).status, 'resolved');
    const [p] = await desk.base.db.query<{ status: string }>('SELECT status FROM purchases WHERE id = $1', [
      bought.id,
    ]);
    assert.equal(p?.status, 'refunded');
    await waitFor(
      () =>
        desk.smtp.received.some((m) => m.to.includes(bought.purchaser_email) && /49\.00/.test(mailText(m))),
      15_000,
      'the refund email at the purchaser’s mailbox',
    );
    await signOut();
    assert.deepEqual(browser.dialogs, []);
  });
});
