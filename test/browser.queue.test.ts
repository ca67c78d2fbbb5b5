/**
 * The queue in Chromium: filters apply as they change (no click on the button), a technician saves
 * the filters and sort as a view whose tab then shows as current, ticks rows of it and rejects them
 * in one action, and the page fits a phone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  screenshot,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { insertQueueRequests, type QueueRequest } from './helpers/queue-requests.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

describe('the queue in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let tech: TestUser;
  let made: QueueRequest[];

  before(async () => {
    desk = await startDesk();
    server = await serve(desk);
    browser = await openBrowser();
    tech = await createUserWithToken(desk.base.db, 'technician');
    made = await insertQueueRequests(desk.base.db, 12);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  const rowReferences = () =>
    browser.page.locator('table.queue tbody a[href^="/desk/requests/"]').allInnerTexts();

  it('when a filter select changes, then the rows reload without a click and without leaving the page', async () => {
    const { page } = browser;
    await signInThroughForm(page, server.url, tech.user.email, tech.password);
    assert.equal((await rowReferences()).length, made.length);
    // A full page load would drop this mark.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    await page.selectOption('#verdict', 'strong');
    const strong = made.filter((m) => m.verdict === 'strong').map((m) => m.reference);
    await page.waitForFunction(
      (n) => document.querySelectorAll('table.queue tbody tr').length === n,
      strong.length,
    );
    assert.deepEqual((await rowReferences()).sort(), strong.sort());
    assert.match(page.url(), /verdict=strong/);
    assert.match(await page.locator('#queue-total').innerText(), new RegExp(`^${strong.length} requests?$`));
    assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true);

    // The search applies after a pause in typing, and the box keeps its focus.
    await page.selectOption('#verdict', '');
    await page.locator('#q').pressSequentially('walker anna', { delay: 20 });
    const annas = made.filter((m) => m.name === 'Anna Walker').map((m) => m.reference);
    await page.waitForFunction(
      (n) => document.querySelectorAll('table.queue tbody tr').length === n,
      annas.length,
    );
    assert.deepEqual((await rowReferences()).sort(), annas.sort());
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'q');
    assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true);
  });

  it('when a technician saves a view, then its tab is current, and the queue fits 1280 and 390 px', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/desk`);
    await page.selectOption('#status', 'triage');
    await page.locator('#view-save').waitFor();
    await page.selectOption('#sort', 'updated');
    await page.selectOption('#order', 'desc');
    await page.waitForURL(/order=desc/);
    await page.getByLabel('Save these filters as a view').fill('Triage, latest first');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the view “Triage, latest first”.' }).waitFor();
    const current = page.locator('nav.view-tabs a[aria-current="page"]');
    assert.equal((await current.innerText()).trim(), 'Triage, latest first');
    const triage = made
      .filter((m) => m.status === 'triage')
      .sort((a, b) => (a.updated === b.updated ? b.id - a.id : a.updated < b.updated ? 1 : -1))
      .map((m) => m.reference);
    assert.deepEqual(await rowReferences(), triage);
    await screenshot(page, 'queue-saved-view');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 390 px screen`);
    await screenshot(page, 'queue-390');
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(browser.dialogs, []);
  });

  it('when a technician ticks two rows of a saved view and rejects them, then the panel names what it will do, and the view shows what is left', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/desk`);
    await page.getByRole('link', { name: 'Triage, latest first' }).click();
    const panel = page.locator('#bulk');
    assert.equal(await panel.isHidden(), true, 'the panel waits for a ticked row');
    const before = await rowReferences();
    const [first, second] = before;
    await page.getByLabel(`Tick ${first}`).check();
    await page.getByLabel(`Tick ${second}`).check();
    await panel.waitFor();
    assert.equal(await page.locator('#bulk-count').innerText(), '(2 ticked)');
    await page.selectOption('#bulk-action', 'reject');
    assert.equal(await page.locator('#bulk-to').count(), 0, 'a technician is not offered assignment');
    await page.selectOption('#bulk-reason', 'duplicate');
    const submit = page.locator('#bulk-submit');
    assert.equal(await submit.innerText(), 'Reject 2 requests and email each customer');
    // "Tick every row" ticks the rest, unticking it clears them all; the two are ticked again.
    await page.locator('#tick-all').check();
    assert.equal(await page.locator('#bulk-count').innerText(), `(${before.length} ticked)`);
    await page.locator('#tick-all').uncheck();
    assert.equal(await panel.isHidden(), true);
    await page.getByLabel(`Tick ${first}`).check();
    await page.getByLabel(`Tick ${second}`).check();
    await screenshot(page, 'queue-saved-view-bulk');

    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 390 px screen`);
    await screenshot(page, 'queue-bulk-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    await submit.click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Rejected 2 requests; each customer is emailed.' })
      .waitFor();
    assert.match(page.url(), /status=triage&sort=updated&order=desc/);
    assert.equal(
      (await page.locator('nav.view-tabs a[aria-current="page"]').innerText()).trim(),
      'Triage, latest first',
    );
    assert.deepEqual(await rowReferences(), before.slice(2));
    assert.deepEqual(browser.dialogs, []);
  });
});
