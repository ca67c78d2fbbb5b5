/**
 * What people see on the console's and the customer's screens (issue 13): the queue's Due column
 * names the deadline that applies next; the queue and the request page fit a 390 px phone; after a
 * refused submission the keyboard focus is on the error summary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  screenshot,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { fileMatchedRequest, purchase, startDecisionDesk, type FiledTicket } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

describe('the desk’s screens in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let tech: TestUser;
  const filed: Record<string, FiledTicket> = {};

  /** A matched request whose service-level columns are then set as the test needs. */
  async function fileWith(name: string, set: string) {
    const bought = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, bought);
    await desk.base.db.query(`UPDATE recovery_requests SET ${set} WHERE id = $1`, [ticket.id]);
    filed[name] = ticket;
  }

  before(async () => {
    desk = await startDecisionDesk();
    server = await serve(desk);
    browser = await openBrowser();
    tech = await createUserWithToken(desk.base.db, 'technician');
    await fileWith(
      'missed',
      `first_response_due_at = now() - interval '60 minutes', resolution_due_at = now() + interval '3 days'`,
    );
    await fileWith(
      'answered',
      `first_responded_at = now(), first_response_due_at = now() - interval '1 day',
       resolution_due_at = now() + interval '3 days 10 minutes'`,
    );
    await fileWith(
      'soon',
      `first_response_due_at = now() + interval '2 hours 10 minutes', resolution_due_at = now() + interval '1 day'`,
    );
    await fileWith(
      'closed',
      `status = 'resolved', closed_at = now(), first_responded_at = now(),
       resolution_due_at = now() + interval '3 days 10 minutes'`,
    );
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  /** Signed in as the technician, whatever the tests before did. */
  async function asTechnician(page: Page) {
    await page.goto(`${server.url}/desk`);
    if (page.url().includes('/desk/sign-in'))
      await signInThroughForm(page, server.url, tech.user.email, tech.password);
  }

  /** Each row's reference and what its Due column says, in the order shown. */
  async function dueColumn(page: Page) {
    const headers = await page.locator('table.queue thead th').allInnerTexts();
    const due = headers.findIndex((h) => h.trim() === 'Due');
    assert.ok(due >= 0, 'the queue has a Due column');
    const out: { reference: string; due: string; overdue: boolean }[] = [];
    for (const row of await page.locator('table.queue tbody tr').all()) {
      out.push({
        reference: (await row.getByRole('link').first().innerText()).trim(),
        due: (await row.locator('td').nth(due).innerText()).trim(),
        overdue: ((await row.getAttribute('class')) ?? '').includes('overdue'),
      });
    }
    return out;
  }

  it('when a first response is missed, then the queue shows it overdue and first, and a closed request as closed', async () => {
    const { page } = browser;
    await page.setViewportSize(DESKTOP);
    await asTechnician(page);
    await page.goto(`${server.url}/desk?status=all`);
    await screenshot(page, 'console-queue-due');
    const rows = await dueColumn(page);
    const ref = (name: string) => filed[name]!.reference;
    assert.deepEqual(
      rows.map((r) => r.reference),
      [ref('missed'), ref('soon'), ref('answered'), ref('closed')],
      'sorted by the deadline each row shows',
    );
    const by = (name: string) => rows.find((r) => r.reference === ref(name))!;
    assert.equal(by('missed').due, '60 min overdue');
    assert.equal(by('missed').overdue, true);
    assert.equal(by('soon').due, 'in 2 h', 'the first response is the next deadline while unanswered');
    assert.equal(by('answered').due, 'in 3 d', 'once answered, the resolution is the next deadline');
    assert.equal(by('answered').overdue, false);
    assert.equal(by('closed').due, 'closed');
    assert.equal(by('closed').overdue, false);
  });

  it('when the console is opened on a 390 px phone, then the queue and the request page fit it', async () => {
    const { page } = browser;
    await page.setViewportSize(PHONE);
    await asTechnician(page);
    await page.getByRole('link', { name: filed.missed!.reference }).waitFor();
    await screenshot(page, 'console-queue-390');
    await assertFits(page, 'the queue');

    await page.goto(`${server.url}/desk/requests/${filed.missed!.reference}`);
    await page.locator('h1').waitFor();
    await screenshot(page, 'console-request-390');
    await assertFits(page, 'the request page');
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    assert.ok(signOut && signOut.x >= 0 && signOut.x + signOut.width <= PHONE.width, '"Sign out" is whole');
    await page.setViewportSize(DESKTOP);
  });

  it('when a console form is refused, then the focus is on its error summary', async () => {
    const { page } = browser;
    await asTechnician(page);
    await page.goto(`${server.url}/desk/tokens`);
    await page.getByLabel('Expires in (days)').fill('9999');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('alert').waitFor();
    await assertFocusOnSummary(page, 'My tokens');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/desk\/sign-in/);

    await page.getByLabel('Email address').fill(tech.user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await assertFocusOnSummary(page, 'sign-in');
  });

  it('when the customer form is refused, then the focus is on its error summary', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/recover`);
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('alert').waitFor();
    await assertFocusOnSummary(page, 'the recovery form');
    await screenshot(page, 'customer-recover-form-focus');
    assert.deepEqual(browser.dialogs, []);
  });
});

/** No horizontal scrolling: nothing is wider than the viewport. */
async function assertFits(page: Page, what: string) {
  const { scroll, viewport } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
  assert.ok(scroll <= viewport, `${what} is ${scroll} px wide on a ${viewport} px screen`);
}

async function assertFocusOnSummary(page: Page, what: string) {
  await page.waitForLoadState('load');
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return el ? { tag: el.tagName, role: el.getAttribute('role') } : null;
  });
  assert.deepEqual(focused, { tag: 'DIV', role: 'alert' }, `${what}: focus on the error summary`);
}
