/**
 * A customer files the recovery form in Chromium: reaching every field by its label and from the
 * keyboard, a bad submission first (field errors, nothing lost), then a good one that lands on
 * the status page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  screenshot,
  serve,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { insertPurchase, type TestPurchase } from './helpers/purchases.ts';

describe('a customer files the form in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let bought: TestPurchase;

  before(async () => {
    desk = await startDesk({
      workers: false,
      env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' },
    });
    server = await serve(desk);
    browser = await openBrowser();
    bought = await insertPurchase(desk.base.db, desk.base.config.secretKey);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  it('when a bad submission is sent, then each field says what is wrong and keeps what was typed; then a good one lands on the status page', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/recover`);
    await screenshot(page, 'customer-recover-form');

    // Every field is reachable by its label (a label tied to the control).
    await page.getByLabel('Email address').fill('jane.at.example.com');
    await page.getByLabel('Your name').fill('Jane Doe');
    await page.getByLabel('Licence number').fill('not a licence');
    await page.getByRole('radio', { name: 'Our online store' }).check();
    await page.getByLabel('Store name').fill('Online Store UK');
    await page.getByLabel('Anything else we should know').fill('I reinstalled my laptop.');
    // Sent from the keyboard: Enter in a text field submits the form.
    await page.getByLabel('Store name').press('Enter');
    await page.waitForLoadState('domcontentloaded');

    const summary = page.getByRole('alert');
    await summary.waitFor();
    const summaryText = await summary.innerText();
    assert.match(summaryText, /Email address/);
    assert.match(summaryText, /Licence number/);
    assert.match(summaryText, /Order number/, 'an online-store purchase needs its order number');
    // Each error is tied to its field, and the field is marked invalid.
    for (const name of ['email', 'license_number', 'order_number']) {
      assert.equal(await page.locator(`#f-${name}`).getAttribute('aria-invalid'), 'true', name);
      assert.match(
        (await page.locator(`#f-${name}`).getAttribute('aria-describedby')) ?? '',
        new RegExp(`f-${name}-error`),
      );
      assert.ok((await page.locator(`#f-${name}-error`).innerText()).trim().length > 0, `${name} says why`);
    }
    // The summary's links lead to the fields.
    assert.equal(await summary.getByRole('link').first().getAttribute('href'), '#f-email');
    // Nothing typed is lost.
    assert.equal(await page.getByLabel('Email address').inputValue(), 'jane.at.example.com');
    assert.equal(await page.getByLabel('Your name').inputValue(), 'Jane Doe');
    assert.equal(await page.getByLabel('Licence number').inputValue(), 'not a licence');
    assert.equal(await page.getByLabel('Store name').inputValue(), 'Online Store UK');
    assert.equal(
      await page.getByLabel('Anything else we should know').inputValue(),
      'I reinstalled my laptop.',
    );
    assert.ok(await page.getByRole('radio', { name: 'Our online store' }).isChecked());
    await screenshot(page, 'customer-recover-form-errors');
    const [stored] = await desk.base.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM recovery_requests',
    );
    assert.equal(stored!.n, 0, 'nothing was stored');

    // Corrected, and the rest filled in.
    await page.getByLabel('Email address').fill(bought.purchaser_email);
    await page.getByLabel('Licence number').fill(bought.license_number.toLowerCase().replace(/-/g, ' '));
    await page.getByLabel('Order number').fill(bought.order_number);
    await page.getByLabel('Country of the store').selectOption('GB');
    await page.getByLabel('Date of purchase').fill(bought.purchased_at);
    await page.getByLabel('I lost the activation code').check();
    await page.getByLabel('My activation code').check();
    await page.getByRole('button', { name: 'Send request' }).click();

    await page.waitForURL(/\/requests\/RD-[0-9A-Z]{8}\?token=/);
    const reference = /\/requests\/(RD-[0-9A-Z]{8})/.exec(page.url())![1]!;
    assert.match(await page.locator('h1').innerText(), new RegExp(reference));
    await screenshot(page, 'customer-status-page');
    const [row] = await desk.base.db.query<{ email: string; license_number: string }>(
      'SELECT email, license_number FROM recovery_requests WHERE reference = $1',
      [reference],
    );
    assert.equal(row?.email, bought.purchaser_email);
    assert.equal(row?.license_number, bought.license_number, 'stored in canonical form');
    assert.deepEqual(browser.dialogs, []);
  });
});
