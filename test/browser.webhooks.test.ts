/**
 * The console's webhook list and an endpoint's delivery log in Chromium at 1280 px and at 390 px,
 * on deliveries the desk really made to a receiver started here (delivered after a 500, and failed
 * after the retry window): nothing runs off the side on a phone, "Send again" works from the log,
 * and the screenshots are kept under test-artifacts/ to be looked at.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import {
  openBrowser,
  SCREENS,
  screenshot,
  serve,
  signInThroughForm,
  skipWithoutChromium,
  type BrowserSession,
} from './helpers/browser.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import { registerEndpoint, WebhookReceiver } from './helpers/webhook-receiver.ts';
import request from 'supertest';

describe('the webhook pages in a browser', { skip: skipWithoutChromium }, () => {
  let desk: TestDesk;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserSession;
  let admin: TestUser;
  let receiver: WebhookReceiver;
  let endpointId: number;

  before(async () => {
    receiver = await WebhookReceiver.start();
    // The first POST of each delivery answers 500; a request's later ones wait behind it.
    receiver.behaviour = (got, attempt) => (got.type === 'request.filed' && attempt === 1 ? 500 : 200);
    desk = await startDesk({
      env: {
        INTAKE_LIMIT_PER_IP: '0',
        INTAKE_LIMIT_PER_EMAIL: '0',
        WEBHOOK_ALLOW_HOSTS: '127.0.0.1,hooks.internal.example',
        // Room for the 500's retry (at about 1 s) on a busy machine; the dead endpoint's fourth
        // attempt (at about 7 s) fails its deliveries.
        WEBHOOK_RETRY_SECONDS: '4',
      },
    });
    server = await serve(desk);
    browser = await openBrowser();
    admin = await createUserWithToken(desk.base.db, 'admin');
    endpointId = (
      await registerEndpoint(desk.app, admin.token, receiver.url, ['request.filed', 'request.matched'])
    ).id;
    // An endpoint no one answers at (a closed port): its deliveries fail after the retry window.
    const dead = await request(desk.app)
      .post('/api/v1/webhooks')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({
        url: 'http://127.0.0.1:9/shop/integrations/recovery-desk/webhooks/receive-events-endpoint',
        events: ['request.filed', 'request.resolved', 'approval.requested', 'purchase.refunded'],
        description: 'The shop’s order system (staging): refunds and approvals',
      })
      .expect(201);
    for (let i = 0; i < 3; i++)
      await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    await waitFor(
      async () => {
        const rows = await desk.base.db.query<{ status: string; endpoint_id: number }>(
          'SELECT status, endpoint_id::int FROM webhook_deliveries',
        );
        return (
          rows.filter((r) => r.endpoint_id === endpointId && r.status === 'delivered').length === 6 &&
          rows.filter((r) => r.endpoint_id === dead.body.id && r.status === 'failed').length === 3
        );
      },
      30_000,
      'deliveries delivered and failed',
    );
    await signInThroughForm(browser.page, server.url, admin.user.email, admin.password);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await desk?.stop();
    await receiver?.stop();
  });

  for (const [name, size] of Object.entries(SCREENS)) {
    const width = name === 'phone' ? '390' : '1280';
    it(`when an admin opens the webhooks and a delivery log on a ${size.width} px screen, then they show and nothing runs off the side`, async () => {
      const { page } = browser;
      await page.setViewportSize(size);
      await page.goto(`${server.url}/desk/admin/webhooks`);
      assert.equal(await page.locator('table.webhooks tbody tr').count(), 2);
      await screenshot(page, `console-webhooks-${width}`);
      await assertNoSidewaysScroll(page);

      await page.getByRole('link', { name: receiver.url }).click();
      await page.waitForURL(`${server.url}/desk/admin/webhooks/${endpointId}`);
      assert.equal(await page.locator('table.deliveries tbody tr').count(), 6);
      assert.ok((await page.locator('table.deliveries').innerText()).includes('HTTP 500'));
      await screenshot(page, `console-webhook-deliveries-${width}`);
      await assertNoSidewaysScroll(page);
      assert.deepEqual(browser.dialogs, []);
    });
  }

  it('when an admin presses "Send again" in the log of a failed delivery, then it is attempted again and the page says so', async () => {
    const { page } = browser;
    await page.setViewportSize(SCREENS.desktop);
    await page.goto(`${server.url}/desk/admin/webhooks`);
    await page.getByRole('link', { name: /127\.0\.0\.1:9/ }).click();
    const attempts = async (id: number) =>
      (
        await desk.base.db.query<{ attempts: number }>(
          'SELECT attempts FROM webhook_deliveries WHERE id = $1',
          [id],
        )
      )[0]!.attempts;
    const before = new Map<number, number>();
    for (const { id } of await desk.base.db.query<{ id: number }>('SELECT id::int FROM webhook_deliveries'))
      before.set(id, await attempts(id));
    await page.getByRole('button', { name: 'Send again' }).first().click();
    await page.getByText(/will be sent again/).waitFor();
    await screenshot(page, 'console-webhook-sent-again-1280');
    const [resent] = await desk.base.db.query<{ id: number }>(
      "SELECT (data->>'delivery_id')::int AS id FROM audit_events WHERE action = 'webhook_resent'",
    );
    assert.ok(resent, 'the resend is audited');
    await waitFor(
      async () => (await attempts(resent.id)) > before.get(resent.id)!,
      15_000,
      'a new attempt of the delivery sent again',
    );
  });

  it("when an admin adds an endpoint inside the desk's network, then the form says why next to the field and keeps what was typed", async () => {
    const { page } = browser;
    await page.setViewportSize(SCREENS.phone);
    await page.goto(`${server.url}/desk/admin/webhooks`);
    await page.getByLabel('URL').fill('https://10.1.2.3/hooks');
    await page.getByLabel('request.resolved').check();
    await page.getByLabel('Description').fill('Inside');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#webhook-url-error').waitFor();
    assert.match(await page.locator('#webhook-url-error').innerText(), /private, loopback or link-local/);
    assert.equal(await page.getByLabel('URL').inputValue(), 'https://10.1.2.3/hooks');
    assert.ok(await page.getByLabel('request.resolved').isChecked());
    await screenshot(page, 'console-webhooks-refused-390');
    await assertNoSidewaysScroll(page);
    assert.equal(await page.locator('table.webhooks tbody tr').count(), 2);
  });
});

async function assertNoSidewaysScroll(page: BrowserSession['page']) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
}
