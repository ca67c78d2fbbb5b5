/**
 * The notification bell and list in a browser: a supervisor told of real events (proposals
 * waiting, a take-over) sees the count on the bell, opens one, marks all read and chooses email,
 * on a desktop screen and on a 390 px phone. Screenshots: test-artifacts/notifications*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Page } from 'playwright-core';
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

const { phone: PHONE, desktop: DESKTOP } = SCREENS;

describe('notifications in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let sam: TestUser; // the supervisor who is told
  const references: string[] = [];

  before(async () => {
    desk = await startDecisionDesk();
    server = await serve(desk);
    browser = await openBrowser();
    sam = await createUserWithToken(desk.base.db, 'supervisor');
    const tess = await createUserWithToken(desk.base.db, 'technician');
    const theo = await createUserWithToken(desk.base.db, 'technician');
    // Two refunds proposed by Tess wait for a supervisor…
    for (let i = 0; i < 2; i++) {
      const ticket = await fileMatchedRequest(desk, await purchase(desk));
      await postDecision(desk, tess.token, ticket.reference, { type: 'refund', amount: '549.00' }).expect(
        202,
      );
      references.push(ticket.reference);
    }
    // …and Theo takes over a request Sam held.
    const held = await fileMatchedRequest(desk, await purchase(desk));
    const claim = (who: TestUser, body: object) =>
      request(desk.app)
        .post(`/api/v1/tickets/${held.reference}/claim`)
        .set('Authorization', `Bearer ${who.token}`)
        .send(body)
        .expect(200);
    await claim(sam, {});
    await claim(theo, { takeover: true });
    references.push(held.reference);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  const bellCount = (page: Page) => page.locator('a.bell .bell-count');

  it('when the supervisor signs in, then the bell shows 3 and the list says what happened, newest first', async () => {
    const { page } = browser;
    await page.setViewportSize(DESKTOP);
    await signInThroughForm(page, server.url, sam.user.email, sam.password);
    assert.equal(await bellCount(page).getAttribute('data-unread'), '3');
    await page.getByRole('link', { name: 'Notifications 3 unread' }).click();
    await page.waitForURL(`${server.url}/desk/notifications`);
    const items = await page.locator('ol.notifications li').allInnerTexts();
    assert.equal(items.length, 3);
    assert.match(items[0]!, new RegExp(`took over ${references[2]}, which you held`));
    assert.match(items[1]!, new RegExp(`proposes a refund of 549.00 GBP for ${references[1]}`));
    assert.equal(await page.locator('ol.notifications li.unread').count(), 3);
    await screenshot(page, 'notifications');
  });

  it('when one is opened, then its request page opens and the bell counts one fewer', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/desk/notifications`);
    await page.locator('ol.notifications li').nth(1).getByRole('link').click();
    await page.waitForURL(`${server.url}/desk/requests/${references[1]}`);
    assert.equal(await bellCount(page).getAttribute('data-unread'), '2');
    await page.goto(`${server.url}/desk/notifications`);
    assert.equal(await page.locator('ol.notifications li.unread').count(), 2);
  });

  it('when the page is seen on a 390 px phone, then the bell, the list and the choices fit it', async () => {
    const { page } = browser;
    await page.setViewportSize(PHONE);
    await page.goto(`${server.url}/desk/notifications`);
    await screenshot(page, 'notifications-390');
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0]! <= widths[1]!, `the page is ${widths[0]} px wide on a ${widths[1]} px screen`);
    const bell = await page.locator('a.bell').boundingBox();
    assert.ok(bell && bell.x >= 0 && bell.x + bell.width <= PHONE.width, 'the bell is whole');
    await page.goto(`${server.url}/desk`);
    await screenshot(page, 'notifications-queue-390');
    assert.ok(await page.locator('a.bell .bell-count').isVisible(), 'the count on the queue page');
    await page.setViewportSize(DESKTOP);
  });

  it('when "Mark all read" is pressed and email is chosen for take-overs, then the bell has no count and the choice stays', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/desk/notifications`);
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByText('Marked 2 notifications read.').waitFor();
    assert.equal(await bellCount(page).count(), 0);
    assert.equal(await page.locator('ol.notifications li.unread').count(), 0);

    const takenOver = page.getByRole('group', { name: 'A colleague took over a request you held' });
    await takenOver.getByLabel('Also by email').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved how you are notified.').waitFor();
    assert.equal(await takenOver.getByLabel('Also by email').isChecked(), true);
    await screenshot(page, 'notifications-read');
    assert.deepEqual(browser.dialogs, []);
  });
});
