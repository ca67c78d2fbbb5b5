/**
 * The reports page in Chromium at 1280 px and at 390 px, on requests filed and decided through the
 * test helpers and counted by reportSummary: every chart is drawn, the page does not scroll
 * sideways on a phone, and the screenshots are kept under test-artifacts/ to be looked at.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  SCREENS,
  screenshot,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { fileMatchedRequest, postDecision, purchase, startDecisionDesk } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

describe('the reports page in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let lead: TestUser;

  before(async () => {
    desk = await startDecisionDesk();
    server = await serve(desk);
    browser = await openBrowser();
    lead = await createUserWithToken(desk.base.db, 'supervisor');
    const tech = await createUserWithToken(desk.base.db, 'technician', {
      email: '<script>x</script>@desk.test',
    });
    for (let i = 0; i < 4; i += 1) {
      const ticket = await fileMatchedRequest(desk, await purchase(desk));
      if (i < 2) {
        const res = await postDecision(desk, tech.token, ticket.reference, {
          type: 'reject',
          reason: 'duplicate',
        });
        assert.ok(res.status < 300, JSON.stringify(res.body));
      }
    }
    await signInThroughForm(browser.page, server.url, lead.user.email, lead.password);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  for (const [name, size] of Object.entries(SCREENS)) {
    it(`when a supervisor opens the reports on a ${size.width} px screen, then every chart shows and nothing runs off the side`, async () => {
      const { page } = browser;
      await page.setViewportSize(size);
      await page.goto(`${server.url}/desk/reports`);
      assert.equal(await page.locator('svg.chart[role="img"]').count(), 8);
      assert.match(await page.locator('#figure-requests').innerText(), /4 requests filed/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
      await page.locator('#figure-decisions summary').click();
      await screenshot(page, `console-reports-${name === 'phone' ? '390' : '1280'}`);
      assert.deepEqual(browser.dialogs, []);
    });
  }
});
