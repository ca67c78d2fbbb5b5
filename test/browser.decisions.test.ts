/**
 * What a technician sees of issue 13's console defects, in Chromium, at 1280 and 390 px: a
 * conflict's request page offering only safe steps (6); a take-over behind a confirmation, and the
 * previous holder's question kept after it (7). Screenshots under test-artifacts/.
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
import { postForm, signIn } from './helpers/session.ts';
import { fileMatchedRequest, purchase, startDecisionDesk, ticketRow } from './helpers/tickets.ts';
import { createUserWithToken } from './helpers/users.ts';

describe(
  'decisions and take-overs in a browser (issue 13, defects 6 and 7)',
  { skip: skipWithoutChromium },
  () => {
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

    async function pageWidth(): Promise<number> {
      return browser.page.evaluate(() => document.documentElement.scrollWidth);
    }

    it("when a stranger's claim conflicts with the purchase, then the page offers no refund, says why, and the question is the primary step", async () => {
      const { page } = browser;
      const tech = await createUserWithToken(desk.base.db, 'technician');
      const ticket = await fileMatchedRequest(desk, await purchase(desk), {
        email: 'mallory.stone@example.org',
        name: 'Mallory Stone',
      });
      await page.setViewportSize({ width: 1280, height: 900 });
      await signInThroughForm(page, server.url, tech.user.email, tech.password);
      await page.goto(`${server.url}/desk/requests/${ticket.reference}`);
      assert.equal(await page.getByRole('button', { name: 'Propose refund' }).count(), 0);
      await page.getByText('Refund: The evidence conflicts with this purchase').waitFor();
      const primary = page.locator('.decisions button[type="submit"]:not(.secondary):not(.danger)');
      assert.deepEqual(await primary.allInnerTexts(), ['Send question']);
      await page.locator('.decisions').scrollIntoViewIfNeeded();
      await screenshot(page, 'console-decisions-conflict');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'console-decisions-conflict-390');
      assert.ok((await pageWidth()) <= 390, 'fits a phone');
      await page.getByRole('button', { name: 'Sign out' }).click();
    });

    it('when someone else holds the request, then "Take over" opens a confirmation naming them, and only its button takes over', async () => {
      const { page } = browser;
      const alice = await createUserWithToken(desk.base.db, 'technician');
      const bob = await createUserWithToken(desk.base.db, 'technician');
      const ticket = await fileMatchedRequest(desk, await purchase(desk));
      const aliceAgent = await signIn(desk.app, alice.user.email, alice.password);
      await postForm(aliceAgent, `/desk/requests/${ticket.reference}/claim`).expect(303);

      await page.setViewportSize({ width: 390, height: 844 });
      await signInThroughForm(page, server.url, bob.user.email, bob.password);
      await page.goto(`${server.url}/desk/requests/${ticket.reference}`);
      await page.getByText('Take over…').click();
      const confirm = page.getByRole('button', { name: `Take over from ${alice.user.email}` });
      await confirm.waitFor();
      assert.equal(
        (await ticketRow(desk, ticket.id)).claimed_by,
        alice.user.id,
        'opening it changed nothing',
      );
      await screenshot(page, 'console-take-over-confirm-390');
      await confirm.click();
      await page.getByRole('status').filter({ hasText: 'You took this request over.' }).waitFor();
      assert.equal((await ticketRow(desk, ticket.id)).claimed_by, bob.user.id);
      await page.getByRole('button', { name: 'Sign out' }).click();
    });

    it("when B takes over while A types a question, then A's Send keeps the question on the page and says B took it over", async () => {
      const { page } = browser;
      const alice = await createUserWithToken(desk.base.db, 'technician');
      const bob = await createUserWithToken(desk.base.db, 'technician');
      const ticket = await fileMatchedRequest(desk, await purchase(desk));
      const bobAgent = await signIn(desk.app, bob.user.email, bob.password);

      await page.setViewportSize({ width: 1280, height: 900 });
      await signInThroughForm(page, server.url, alice.user.email, alice.password);
      await page.goto(`${server.url}/desk/requests/${ticket.reference}`);
      await page.getByRole('button', { name: 'Claim' }).click();
      await page.getByRole('status').filter({ hasText: 'You hold this request now.' }).waitFor();
      const question = 'Could you send a photo of the receipt? The order number is hard to read.';
      await page.getByLabel(/^Question/).fill(question);

      await postForm(bobAgent, `/desk/requests/${ticket.reference}/claim`, { takeover: 'true' }).expect(303);
      await page.getByRole('button', { name: 'Send question' }).click();
      await page.getByText(`${bob.user.email} took this request over: nothing was sent`).waitFor();
      assert.equal(await page.getByLabel('What you typed (not sent)').inputValue(), question);
      await screenshot(page, 'console-take-over-kept-text');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'console-take-over-kept-text-390');
      assert.ok((await pageWidth()) <= 390, 'fits a phone');
      assert.ok(!(await ticketRow(desk, ticket.id)).types.includes('info_requested'));
    });
  },
);
