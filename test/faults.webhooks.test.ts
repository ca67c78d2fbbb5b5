import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { someClientAddress } from './helpers/instant.ts';
import { csrfFrom, postForm, signInAs, type SignedIn } from './helpers/session.ts';
import type { TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import { registerEndpoint, WebhookReceiver } from './helpers/webhook-receiver.ts';

// Each case has its own receiver (a real HTTP server) and endpoint, disabled when the case is done
// so that later cases' requests do not reach it. A 6 s retry window stands in for the 24 hours:
// with the 1 s exponential backoff, attempts go at about 0, 1, 3 and 7 s.

let desk: TestDesk;
let admin: SignedIn & TestUser;
const receivers: WebhookReceiver[] = [];
let sentAgain = 0;
before(async () => {
  desk = await startDesk({
    env: {
      INTAKE_LIMIT_PER_IP: '0',
      INTAKE_LIMIT_PER_EMAIL: '0',
      WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_RETRY_SECONDS: '6',
    },
  });
  admin = await signInAs(desk.app, desk.base.db, 'admin');
});
after(async () => {
  await desk.stop();
  for (const r of receivers) await r.stop();
});

async function receiver(options: { slowMs?: number } = {}) {
  const r = await WebhookReceiver.start(options);
  receivers.push(r);
  return r;
}

const register = async (url: string, events?: string[]) =>
  (await registerEndpoint(desk.app, admin.token, url, events)).id;

async function fileRequests(n: number): Promise<string[]> {
  const references: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .set('X-Forwarded-For', someClientAddress())
      .send(validRequest())
      .expect(201);
    references.push(res.body.reference as string);
  }
  return references;
}

interface DeliveryState {
  id: number;
  status: string;
  attempts: number;
}

const deliveries = (endpointId: number) =>
  desk.base.db.query<DeliveryState>(
    'SELECT id::int, status, attempts FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id',
    [endpointId],
  );

async function allEnd(endpointId: number, status: string, n: number): Promise<DeliveryState[]> {
  let rows: DeliveryState[] = [];
  await waitFor(
    async () => {
      rows = await deliveries(endpointId);
      return rows.length === n && rows.every((d) => d.status === status);
    },
    30_000,
    `${n} deliveries ${status} at endpoint ${endpointId}`,
  );
  return rows;
}

const disable = (endpointId: number) =>
  postForm(admin, `/desk/admin/webhooks/${endpointId}/disable`).expect(303);

/** Each event processed once at the receiver: nothing lost, nothing done twice. */
function assertEachProcessedOnce(r: WebhookReceiver, references: string[], types: string[]) {
  const got = r.processed.map((p) => `${p.reference} ${p.type}`).sort();
  const expected = references.flatMap((ref) => types.map((t) => `${ref} ${t}`)).sort();
  assert.deepEqual(got, expected);
}

describe('webhook faults', { timeout: 180_000 }, () => {
  it('when the receiver is down and comes back, then every delivery arrives once it is up, once, in order per request', async () => {
    const r = await receiver();
    const endpoint = await register(r.url, ['request.filed', 'request.matched']);
    await r.down();
    const references = await fileRequests(3);
    // The first delivery of each request has been refused and retried; the matched ones wait behind it.
    await waitFor(
      async () => (await deliveries(endpoint)).filter((d) => d.attempts >= 2).length >= 3,
      15_000,
      'the filed deliveries retried while the receiver is down',
    );
    assert.equal(r.received.length, 0);
    await r.up();
    await allEnd(endpoint, 'delivered', 6);
    assertEachProcessedOnce(r, references, ['request.filed', 'request.matched']);
    for (const ref of references)
      assert.deepEqual(
        r.processed.filter((p) => p.reference === ref).map((p) => p.type),
        ['request.filed', 'request.matched'],
        ref,
      );
    await disable(endpoint);
  });

  it('when the receiver answers after the timeout, then the delivery is retried, and the receiver drops the repeat by its id', async () => {
    const r = await receiver({ slowMs: 2_000 });
    r.behaviour = (_got, attempt) => (attempt === 1 ? 'slow' : 200);
    const endpoint = await register(r.url);
    const references = await fileRequests(3);
    const rows = await allEnd(endpoint, 'delivered', 3);
    assert.ok(rows.every((d) => d.attempts === 2));
    const [attempt] = await desk.base.db.query<{ error: string }>(
      `SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE d.endpoint_id = $1 ORDER BY a.id LIMIT 1`,
      [endpoint],
    );
    assert.equal(attempt!.error, 'no answer within 500 ms');
    assertEachProcessedOnce(r, references, ['request.filed']);
    assert.equal(r.duplicates(), 3);
    await disable(endpoint);
  });

  it('when the receiver answers 500, then the delivery is retried until it answers 200', async () => {
    const r = await receiver();
    r.behaviour = (_got, attempt) => (attempt <= 2 ? 500 : 200);
    const endpoint = await register(r.url);
    const references = await fileRequests(3);
    const rows = await allEnd(endpoint, 'delivered', 3);
    assert.ok(rows.every((d) => d.attempts === 3));
    assertEachProcessedOnce(r, references, ['request.filed']);
    assert.equal(r.duplicates(), 0);
    await disable(endpoint);
  });

  it('when a delivery fails for its whole retry window, then "Send again" in the delivery log delivers it, and sending a delivered one again reaches the receiver as a duplicate', async () => {
    const r = await receiver();
    let healthy = false;
    r.behaviour = () => (healthy ? 200 : 500);
    const endpoint = await register(r.url);
    const references = await fileRequests(3);
    const failed = await allEnd(endpoint, 'failed', 3);
    assert.equal(r.processed.length, 0);
    healthy = true;

    const log = await admin.agent.get(`/desk/admin/webhooks/${endpoint}`).expect(200);
    const resend = (id: number) => {
      const action = `/desk/admin/webhooks/${endpoint}/deliveries/${id}/resend`;
      assert.ok(log.text.includes(`action="${action}"`), `the log offers to send ${id} again`);
      sentAgain++;
      return admin.agent
        .post(action)
        .type('form')
        .send({ _csrf: csrfFrom(log.text) })
        .expect(303);
    };
    for (const d of failed.slice(0, 2)) await resend(d.id);
    await waitFor(
      async () => (await deliveries(endpoint)).filter((d) => d.status === 'delivered').length === 2,
      15_000,
      'two deliveries sent again and delivered',
    );
    const first = r.processed.find((p) => p.deliveryId === String(failed[0]!.id));
    assert.ok(first, 'the first delivery sent again was processed');
    await resend(failed[0]!.id);
    await waitFor(() => r.duplicates() === 1, 15_000, 'the delivery received again');
    assert.equal(r.received.at(-1)!.body, first.body, 'the same delivery: same id, same body');
    await waitFor(
      async () => (await deliveries(endpoint))[0]!.status === 'delivered',
      15_000,
      'the delivery sent twice delivered again',
    );
    const end = await deliveries(endpoint);
    assert.deepEqual(
      end.map((d) => d.status),
      ['delivered', 'delivered', 'failed'],
    );
    assert.equal(r.processed.length, 2);
    assert.ok(references.includes(first.reference));
    await disable(endpoint);
  });

  it("then the run's figures add up: every delivery delivered or failed, each event processed once", async () => {
    const rows = await desk.base.db.query<DeliveryState>(
      'SELECT id::int, status, attempts FROM webhook_deliveries',
    );
    const figures = {
      sent: rows.length,
      retried: rows.reduce((n, d) => n + Math.max(0, d.attempts - 1), 0),
      delivered: rows.filter((d) => d.status === 'delivered').length,
      failed: rows.filter((d) => d.status === 'failed').length,
      duplicates_at_receiver: receivers.reduce((n, r) => n + r.duplicates(), 0),
      sent_again: sentAgain,
    };
    console.log(`# webhook deliveries: ${JSON.stringify(figures)}`);
    assert.equal(figures.delivered + figures.failed, figures.sent);
    for (const r of receivers)
      assert.equal(new Set(r.processed.map((p) => p.eventId)).size, r.processed.length);
  });
});
