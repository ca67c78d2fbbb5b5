/**
 * What a customer sees, in Chromium, at desktop width and on a 390 px phone: the form kept after a
 * failed filing, the status page of a closed request with its conversation, and the decision
 * emails as a mail program shows them. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  screenshot,
  serve,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

describe('the customer portal in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let technician: TestUser;

  before(async () => {
    desk = await startDecisionDesk();
    server = await serve(desk);
    browser = await openBrowser();
    technician = await createUserWithToken(desk.base.db, 'technician');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  /** Screenshots at 1280 px and at 390 px, checking that nothing spills sideways on the phone. */
  async function both(page: Page, name: string) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, name);
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${name} fits 390 px (is ${width})`);
    await screenshot(page, `${name}-390`);
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('when filing fails on our side, then the German customer sees why, in German, with the form still filled in', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/recover?lang=de`);
    await page.locator('#f-email').fill('juergen@example.de');
    await page.locator('#f-name').fill('Jürgen Weiß');
    await page.locator('#f-license_number').fill('84F3-E32248-C1E89AF9');
    await page.locator('input[name=channel][value=retail_box]').check();
    await page.locator('#f-store').fill('MediaMarkt Köln');
    await page.locator('#f-country').selectOption('DE');
    await page.locator('#f-purchased_on').fill('2024-03-02');
    await page.locator('input[name=reason][value=lost]').check();
    await page.locator('input[name=desired_outcome][value=recover_code]').check();
    await page.locator('#f-details').fill('Nach der Neuinstallation ist der Code weg.');
    await desk.base.db.query(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test fault'; END $$`);
    await desk.base.db.query(
      'CREATE TRIGGER test_refuse BEFORE INSERT ON recovery_requests FOR EACH ROW EXECUTE FUNCTION test_refuse()',
    );
    try {
      await page.getByRole('button', { name: 'Anfrage senden' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /Ihre Anfrage konnte nicht gespeichert werden/);
      assert.equal(await page.locator('#f-name').inputValue(), 'Jürgen Weiß');
      assert.equal(await page.locator('#f-store').inputValue(), 'MediaMarkt Köln');
      assert.equal(
        await page.locator('#f-details').inputValue(),
        'Nach der Neuinstallation ist der Code weg.',
      );
      assert.ok(await page.locator('input[name=channel][value=retail_box]').isChecked());
      await both(page, 'customer-filing-failed-de');
    } finally {
      await desk.base.db.query('DROP TRIGGER test_refuse ON recovery_requests');
    }
    // Sent again once the fault is gone, it goes through.
    await page.getByRole('button', { name: 'Anfrage senden' }).click();
    await page.waitForURL(/\/requests\/RD-[0-9A-Z]{8}\?token=/);
  });

  it('when a German request was asked, answered and then rejected, then its status page shows the outcome, the conversation and a way to write, and the emails read right', async () => {
    const { page } = browser;
    const bought = await purchase(desk, {
      channel: 'retail_box',
      store: 'MediaMarkt Köln',
      country: 'DE',
      first_activated_at: '2020-01-10',
      purchaser_name: 'Anna Berg',
    });
    const ticket = await fileMatchedRequest(desk, bought, { locale: 'de' });
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: 'Could you send a photo of the receipt?',
    }).expect(200);
    await page.goto(`${server.url}/requests/${ticket.reference}?token=${ticket.token}`);
    await page.locator('#f-message').fill('Hier ist der Kassenbon.');
    await page.locator('#f-attachment').setInputFiles({
      name: 'kassenbon.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
    });
    await page.getByRole('button', { name: 'Antwort senden' }).click();
    await page.waitForURL(/replied=1/);
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'reject',
      reason: 'license_expired',
      message: 'Your licence ended in January 2021.',
    }).expect(200);

    await page.goto(`${server.url}/requests/${ticket.reference}?token=${ticket.token}`);
    const text = await page.locator('main').innerText();
    assert.match(text, /Die Lizenz hat das Ende ihrer Laufzeit erreicht/);
    assert.match(text, /Could you send a photo of the receipt\?/);
    assert.match(text, /Hier ist der Kassenbon\./);
    assert.match(text, /Angehängt: kassenbon\.pdf/);
    assert.match(text, /Schreiben Sie unserem Support-Team/);
    assert.doesNotMatch(text, /Bewahren Sie|retail_box|license_expired|recover_code/);
    await both(page, 'customer-status-closed-de');

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    for (const mail of mails) {
      await page.setContent(mail.parsed.html ?? '');
      await both(
        page,
        `customer-email-${/renewal|expired|abgelaufen/i.test(mail.parsed.subject ?? '') ? 'renewal-offer' : 'request-info'}-de`,
      );
    }
    const renewal = mails.find((m) => /MediaMarkt Köln/.test(m.parsed.text ?? ''));
    assert.ok(renewal, 'the renewal offer names the shop');
    assert.match(
      renewal.parsed.text ?? '',
      /Nachricht unseres Support-Teams:\n\nYour licence ended in January 2021\./,
    );
  });
});
