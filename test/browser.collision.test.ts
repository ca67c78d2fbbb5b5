/**
 * SPEC §11 in Chromium: two technicians on one request see each other, and who is typing; the
 * requester's other requests are listed; a question typed and lost to a failed send comes back.
 * Screenshots under test-artifacts/ at 1280 and 390 px.
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
import { fileMatchedRequest, postDecision, purchase, startDecisionDesk } from './helpers/tickets.ts';
import { createUserWithToken } from './helpers/users.ts';

describe('two technicians on one request, in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let alice: BrowserSession;
  let bob: BrowserSession;

  before(async () => {
    desk = await startDecisionDesk();
    server = await serve(desk);
    [alice, bob] = await Promise.all([openBrowser(), openBrowser()]);
  });
  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.close();
    await desk?.stop();
  });

  it("when Bob types on the page Alice has open, then within seconds Alice sees him typing; and she sees the requester's earlier request", async () => {
    const a = await createUserWithToken(desk.base.db, 'technician');
    const b = await createUserWithToken(desk.base.db, 'technician');
    const bought = await purchase(desk);
    const earlier = await fileMatchedRequest(desk, bought);
    await postDecision(desk, a.token, earlier.reference, { type: 'reject', reason: 'duplicate' }).expect(200);
    const ticket = await fileMatchedRequest(desk, bought);

    await signInThroughForm(alice.page, server.url, a.user.email, a.password);
    await signInThroughForm(bob.page, server.url, b.user.email, b.password);
    await alice.page.goto(`${server.url}/desk/requests/${ticket.reference}`);
    await bob.page.goto(`${server.url}/desk/requests/${ticket.reference}`);
    await alice.page.locator('#presence').getByText(b.user.email).waitFor({ timeout: 10_000 });

    await bob.page.getByLabel(/^Question/).pressSequentially('Could you send a photo of the rec');
    await alice.page.getByText(`${b.user.email} is typing…`).waitFor({ timeout: 10_000 });
    await bob.page.getByLabel(/^Question/).pressSequentially('eipt?');

    const related = alice.page.locator('section:has(#related-heading)');
    await related.getByRole('link', { name: earlier.reference }).waitFor();
    assert.match(await related.innerText(), /rejected: duplicate of another request/);
    const filed = alice.page.locator('section:has(#claim-heading) time').first();
    assert.match((await filed.getAttribute('title')) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.match(await filed.innerText(), /just now|minutes? ago/);

    await alice.page.locator('#presence').scrollIntoViewIfNeeded();
    await screenshot(alice.page, 'request-presence-history');
    await alice.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(alice.page, 'request-presence-history-390');
    assert.ok((await alice.page.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'fits a phone');
    await alice.page.setViewportSize({ width: 1280, height: 900 });

    // Bob leaves: Alice stops seeing him at her next report (every 5 s).
    await bob.page.goto(`${server.url}/desk`);
    await alice.page
      .locator('#presence')
      .getByText(b.user.email)
      .waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('when sending a question fails on the way (the connection drops), then the page shows the typed text again', async () => {
    const t = await createUserWithToken(desk.base.db, 'technician');
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const { page } = alice;
    await signInThroughForm(page, server.url, t.user.email, t.password).catch(() => undefined);
    const url = `${server.url}/desk/requests/${ticket.reference}`;
    await page.goto(url);
    const question = 'Which shop did you buy it from? The order number looks like a box number.';
    await page.getByLabel(/^Question/).fill(question);
    await page.route('**/decisions', (route) => route.abort('connectionreset'));
    await page.getByRole('button', { name: 'Send question' }).click();
    await page.waitForLoadState('load').catch(() => undefined);
    await page.unroute('**/decisions');
    await page.goto(url);
    assert.equal(await page.getByLabel(/^Question/).inputValue(), question);
    await page.getByText('Restored what you typed here earlier; it has not been sent.').waitFor();

    // Sent for real this time: the draft is done and does not come back.
    await page.getByRole('button', { name: 'Send question' }).click();
    await page.getByText('Question sent').waitFor();
    assert.equal(await page.getByText('Restored what you typed here earlier').count(), 0);
  });
});
