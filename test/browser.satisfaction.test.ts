/**
 * "Was this helpful?" in Chromium: a customer opens the "not helpful" link on a 390 px phone, the
 * page thanks them in their language and takes a comment without scripts; the technician then
 * sees the answer and the comment on the request page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  screenshot,
  SCREENS,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { createUserWithToken } from './helpers/users.ts';
import { satisfactionToken } from '../src/satisfaction/satisfaction-links.ts';

describe('a customer answers "was this helpful?" in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;

  before(async () => {
    desk = await startDesk({ workers: false });
    server = await serve(desk);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  it('when the customer clicks "not helpful" on a phone and leaves a comment, then the page fits, thanks them in German, and the request page shows both', async () => {
    const filed = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .send(validRequest({ locale: 'de' }))
      .expect(201);
    const reference = filed.body.reference as string;
    const token = satisfactionToken(desk.base.config.secretKey, reference, 'not_helpful');
    const { page } = browser;

    await page.setViewportSize(SCREENS.phone);
    await page.goto(`${server.url}/requests/${reference}/feedback/not_helpful?token=${token}`);
    assert.match(await page.locator('h1').innerText(), /Vielen Dank/);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await screenshot(page, 'satisfaction-phone-answered');

    await page.getByLabel('Ihr Kommentar').fill('Die Antwort kam schnell, aber <b>der Code</b> fehlte.');
    await page.getByRole('button', { name: 'Kommentar senden' }).click();
    await page.getByText('Wir haben Ihren Kommentar erhalten').waitFor();
    await screenshot(page, 'satisfaction-phone-commented');

    const technician = await createUserWithToken(desk.base.db, 'technician');
    await page.setViewportSize(SCREENS.desktop);
    await signInThroughForm(page, server.url, technician.user.email, technician.password);
    await page.goto(`${server.url}/desk/requests/${reference}`);
    const panel = page.getByRole('region', { name: 'Customer satisfaction' });
    assert.match(await panel.innerText(), /Not helpful[\s\S]*der Code<\/b> fehlte/);
    await panel.screenshot({ path: await screenshot(page, 'satisfaction-request-page') });
    assert.deepEqual(browser.dialogs, []);
  });
});
