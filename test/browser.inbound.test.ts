/**
 * A customer's email reply on the request page in a browser: the message in the history with its
 * sender, its file and the link to the raw message, and the bounced acknowledgement, on a desktop
 * screen and on a 390 px phone. Screenshots: test-artifacts/request-email-reply*.png.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { startDesk } from './helpers/desk.ts';
import {
  openBrowser,
  SCREENS,
  screenshot,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { deliver, INBOUND_DOMAIN, replyAddressFor } from './helpers/inbound.ts';
import { fileMatchedRequest, purchase, type FiledTicket } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'inbound');

describe('an email reply on the request page in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let tess: TestUser;
  let ticket: FiledTicket;

  /** A fixture addressed to the request's reply address (and about its first email). */
  async function fixture(name: string, uniqueId: string) {
    const to = await replyAddressFor(desk.base.db, ticket.id);
    const [ours] = await desk.base.db.query<{ message_uuid: string }>(
      'SELECT message_uuid FROM emails WHERE request_id = $1 ORDER BY id LIMIT 1',
      [ticket.id],
    );
    const raw = readFileSync(path.join(FIXTURES, name), 'utf8')
      .replace(`reply+${'a'.repeat(26)}@${INBOUND_DOMAIN}`, to)
      .replace('00000000-0000-4000-8000-000000000000', ours!.message_uuid)
      .replace(/<fixture-[^>]+>/, `<${uniqueId}@example.com>`);
    return deliver(desk, Buffer.from(raw), [to]);
  }

  before(async () => {
    desk = await startDesk({
      env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', INBOUND_DOMAIN },
    });
    server = await serve(desk);
    browser = await openBrowser();
    tess = await createUserWithToken(desk.base.db, 'technician');
    ticket = await fileMatchedRequest(desk, await purchase(desk));
    // A bounce comes back about an email that went out.
    await waitFor(async () => {
      const [ack] = await desk.base.db.query<{ status: string }>(
        'SELECT status FROM emails WHERE request_id = $1 ORDER BY id LIMIT 1',
        [ticket.id],
      );
      return ack?.status === 'sent';
    });
    await fixture('bounce-postfix.eml', `bounce-${ticket.id}`);
    await fixture('attachment-pdf-de.eml', `pdf-${ticket.id}`);
    await fixture('attachment-disguised-exe-en.eml', `exe-${ticket.id}`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
  });

  for (const [screen, size, name] of [
    ['desktop', SCREENS.desktop, 'request-email-reply'],
    ['phone', SCREENS.phone, 'request-email-reply-390'],
  ] as const) {
    it(`when a technician opens the request on a ${screen}, then the email replies, their files and the bounce are shown`, async () => {
      const { page } = browser;
      await page.setViewportSize(size);
      if (screen === 'desktop') await signInThroughForm(page, server.url, tess.user.email, tess.password);
      await page.goto(`${server.url}/desk/requests/${ticket.reference}`);
      const history = page.locator('#history-heading + ol.history');
      await history.getByText('attaching Kassenbon.pdf').scrollIntoViewIfNeeded();
      const texts = await history.locator('li').allInnerTexts();
      assert.ok(
        texts.some((t) => /by email from jonas@mueller-gmbh\.example, attaching Kassenbon\.pdf/.test(t)),
      );
      assert.ok(texts.some((t) => /refused attachments \(not stored\): receipt\.pdf/.test(t)));
      assert.ok(texts.some((t) => /bounced/.test(t)));
      assert.equal(await page.locator('.email-status.email-bounced').count(), 1);
      // The history panel, where the conversation is, fills the shot.
      await page.locator('section[aria-labelledby="history-heading"]').screenshot({
        path: path.join(path.dirname(await screenshot(page, name)), `${name}.png`),
      });
      await page.getByRole('link', { name: 'Raw message' }).first().click();
      await page.waitForURL(/\/inbound\/\d+$/);
      assert.match(await page.locator('pre.raw-message').innerText(), /Kassenbon|MAILER-DAEMON/);
    });
  }
});
