/**
 * "Email me my codes" in Chromium: from the request form's link to the lookup page, a bad address
 * (the message beside the field), then a good one and the answer, at 1280 and 390 px.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  screenshot,
  SCREENS,
  serve,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { insertPurchase, type TestPurchase } from './helpers/purchases.ts';

describe('a customer asks for their codes by email in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let bought: TestPurchase;

  before(async () => {
    desk = await startDesk();
    server = await serve(desk);
    browser = await openBrowser();
    bought = await insertPurchase(desk.base.db, desk.base.config.secretKey);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  const fitsTheScreen = async () =>
    browser.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  for (const [screen, size] of [
    ['desktop', SCREENS.desktop],
    ['phone', SCREENS.phone],
  ] as const) {
    it(`when the form's link is followed on a ${size.width} px screen and a bad, then a good address is sent, then the field says what is wrong and then the answer shows`, async () => {
      const { page } = browser;
      await page.setViewportSize(size);
      await page.goto(`${server.url}/recover?lang=en`);
      await page.getByRole('link', { name: 'Get your codes by email' }).click();
      await page.waitForURL(/\/recover\/by-email/);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Email me my codes');
      await screenshot(page, `recover-by-email-${screen}`);

      await page.getByLabel('Email address').fill('not-an-address');
      await page.getByRole('button', { name: 'Email me my codes' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /Enter an email address like name@example.com/);
      assert.equal(await page.getByLabel('Email address').inputValue(), 'not-an-address', 'kept');
      assert.equal(await page.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
      assert.ok(await fitsTheScreen(), 'no sideways scrolling');
      await screenshot(page, `recover-by-email-${screen}-error`);

      await page.getByLabel('Email address').fill(bought.purchaser_email);
      await page.getByLabel('Email address').press('Enter');
      await page.getByRole('status').waitFor();
      assert.match(
        await page.getByRole('status').innerText(),
        /If purchases belong to that address, we have sent it an email listing them/,
      );
      assert.ok(await fitsTheScreen(), 'no sideways scrolling');
      await screenshot(page, `recover-by-email-${screen}-sent`);
    });
  }

  it('when the page is opened in German and Russian, then it speaks them', async () => {
    const { page } = browser;
    await page.setViewportSize(SCREENS.phone);
    await page.goto(`${server.url}/recover/by-email?lang=de`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Codes per E-Mail erhalten');
    await screenshot(page, 'recover-by-email-phone-de');
    await page.goto(`${server.url}/recover/by-email?lang=ru`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Получить коды по почте');
    await screenshot(page, 'recover-by-email-phone-ru');
    assert.equal(browser.dialogs.length, 0);
  });
});
