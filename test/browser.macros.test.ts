/**
 * A technician picks a macro on a German request and previews the email before sending it, in
 * Chromium at 1280 and 390 px; and the same without the page's script ("Use"). Screenshots under
 * test-artifacts/ (macro-preview-de.png, macro-preview-de-390.png).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import {
  ARTIFACTS,
  openBrowser,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

/** Saves a screenshot of the page's Decide panel under test-artifacts/. */
async function shoot(panel: Locator, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await panel.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

describe('macros and the email preview in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let tech: TestUser;

  before(async () => {
    desk = await startDecisionDesk();
    server = await serve(desk);
    browser = await openBrowser();
    tech = await createUserWithToken(desk.base.db, 'technician');
    await signInThroughForm(browser.page, server.url, tech.user.email, tech.password);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  const germanRequest = async () =>
    fileMatchedRequest(desk, await purchase(desk), { locale: 'de', name: 'Jürgen Weiß' });

  it('when a technician picks the receipt macro on a German request and previews it, then the German email shows, nothing is sent until "Send question"', async () => {
    const { page } = browser;
    const ticket = await germanRequest();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/desk/requests/${ticket.reference}`);
    const form = page.locator('#info-form');
    assert.equal(
      await form.getByRole('button', { name: 'Use' }).isVisible(),
      false,
      'the script fills instead',
    );
    await form.getByLabel(/^Macro/).selectOption({ label: 'Ask for a photo of the receipt' });
    const message = form.getByLabel(/^Question/);
    assert.match(await message.inputValue(), /^Damit wir bestätigen können/);
    assert.match(await message.inputValue(), /\{\{status_url\}\}/, 'the link stays a placeholder');

    await form.getByRole('button', { name: 'Preview email' }).click();
    const preview = page.locator('#info-form .email-preview');
    await preview.waitFor();
    assert.match(await preview.locator('h4').innerText(), /in German/);
    assert.match(
      await preview.locator('.email-subject').innerText(),
      /^Wir brauchen weitere Angaben – Anfrage RD-/,
    );
    const text = await preview.locator('pre.email-text').innerText();
    assert.match(text, /Hallo Jürgen Weiß/);
    assert.match(
      text,
      /Kassenbons oder der Rechnung auf der Seite Ihrer Anfrage hoch:\nhttp:\/\/desk\.test\/requests\/RD-/,
    );
    assert.match(await message.inputValue(), /^Damit wir bestätigen können/, 'the text is kept');
    await preview.locator('summary').click();
    const frame = page.frameLocator('#info-form iframe.email-html');
    await frame.getByText('Bitte laden Sie ein Foto').waitFor();
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage', 'nothing sent yet');
    await shoot(page.locator('.decisions'), 'macro-preview-de');

    await page.setViewportSize({ width: 390, height: 844 });
    // The frame paints when it is in view: bring it there before the panel is taken.
    await page.locator('#info-form iframe.email-html').scrollIntoViewIfNeeded();
    await frame.getByText('Bitte laden Sie ein Foto').waitFor();
    await shoot(page.locator('.decisions'), 'macro-preview-de-390');
    await shoot(page.locator('#info-form .email-preview'), 'macro-preview-de-390-email');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `fits a phone (${width} px)`);

    await preview.getByRole('button', { name: 'Send question' }).click();
    await page.getByText('Question sent: the request waits on the customer.').waitFor();
    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.match(mail!.parsed.text ?? '', /Kassenbons/);
    assert.equal((await ticketRow(desk, ticket.id)).events.at(-1)!.type, 'info_requested');
  });

  it('when the page’s script does not run, then "Use" fills the reject form with the macro’s German text and reason', async () => {
    const { page } = browser;
    const ticket = await germanRequest();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.route('**/static/macro-picker.js', (route) => route.abort());
    try {
      await page.goto(`${server.url}/desk/requests/${ticket.reference}`);
      const form = page.locator('#reject-form');
      await form.getByLabel(/^Macro/).selectOption({ label: 'Trial licence: cannot be recovered' });
      assert.equal(await form.getByLabel(/^Message/).inputValue(), '', 'no script, no fill');
      await form.getByRole('button', { name: 'Use' }).click();
      const filled = page.locator('#reject-form');
      await filled.getByLabel(/^Message/).waitFor();
      assert.match(await filled.getByLabel(/^Message/).inputValue(), /^Mit einer Testlizenz/);
      assert.equal(await filled.getByLabel('Reason').inputValue(), 'trial_license');
      assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
    } finally {
      await page.unroute('**/static/macro-picker.js');
    }
  });

  it('when an admin adds a macro with an unknown placeholder, then the page names the field and keeps the texts, at 1280 and 390 px', async () => {
    const admin = await createUserWithToken(desk.base.db, 'admin');
    const own = await openBrowser();
    try {
      const { page } = own;
      await signInThroughForm(page, server.url, admin.user.email, admin.password);
      await page.goto(`${server.url}/desk/admin`);
      await page.getByRole('link', { name: 'Macros' }).click();
      await page.getByLabel('Name').fill('Ask which store');
      await page.getByLabel('English text').fill('Which store was it, {{name}}?');
      await page.getByLabel('German text').fill('Bei welchem Händler, {{kunde}}?');
      await page.getByLabel('Russian text').fill('В каком магазине, {{name}}?');
      await page.getByRole('button', { name: 'Add macro' }).click();
      await page.getByText('The German text has an unknown placeholder {{kunde}}').first().waitFor();
      assert.equal(await page.getByLabel('German text').inputValue(), 'Bei welchem Händler, {{kunde}}?');
      assert.equal(await page.getByLabel('Name').inputValue(), 'Ask which store');
      await shoot(page.locator('main'), 'admin-macros');
      await page.setViewportSize({ width: 390, height: 844 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      await shoot(page.locator('main'), 'admin-macros-390');
      assert.ok(width <= 390, `fits a phone (${width} px)`);
    } finally {
      await own.close();
    }
  });
});
