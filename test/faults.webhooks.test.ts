import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { someClientAddress } from './helpers/instant.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

let desk: TestDesk;
let admin: TestUser;
let receiver: WebhookReceiver;
before(async () => {
  receiver = await WebhookReceiver.start();
  desk = await startDesk({
    env: {
      INTAKE_LIMIT_PER_IP: '0',
      INTAKE_LIMIT_PER_EMAIL: '0',
      WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_RETRY_SECONDS: '3',
    },
  });
  admin = await createUserWithToken(desk.base.db, 'admin');
});
after(async () => {
  await desk.stop();
  await receiver.stop();
});

const register = (url: string) =>
  request(desk.app)
    .post('/api/v1/webhooks')
    .set('Authorization', `Bearer ${admin.token}`)
    .send({ url, events: ['request.filed'] })
    .expect(201);

const statuses = (endpointId: number) =>
  desk.base.db.query<{ status: string; attempts: number }>(
    'SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1',
    [endpointId],
  );

describe('webhook faults', () => {
  it('when the receiver answers 500, hangs past the timeout, or a host never answers, then each delivery ends delivered or, after the retry window, failed', async () => {
    // Per delivery: a 500 first, then a hang past the timeout, then 200.
    receiver.behaviour = (got) => {
      const seen = receiver.received.filter((r) => r.deliveryId === got.deliveryId).length;
      return seen === 1 ? 500 : seen === 2 ? 'hang' : 200;
    };
    const live = await register(receiver.url);
    const dead = await register('http://127.0.0.1:9/hooks');
    for (let i = 0; i < 5; i++)
      await request(desk.app)
        .post('/api/v1/recovery-requests')
        .set('X-Forwarded-For', someClientAddress())
        .send(validRequest())
        .expect(201);
    const done = async (id: number, status: string) =>
      (await statuses(id)).filter((d) => d.status === status).length === 5;
    await waitFor(() => done(live.body.id as number, 'delivered'), 30_000, 'five delivered');
    await waitFor(() => done(dead.body.id as number, 'failed'), 30_000, 'five failed');
    const rows = [...(await statuses(live.body.id as number)), ...(await statuses(dead.body.id as number))];
    const figures = {
      sent: rows.length,
      retried: rows.reduce((n, r) => n + Math.max(0, r.attempts - 1), 0),
      delivered: rows.filter((r) => r.status === 'delivered').length,
      failed: rows.filter((r) => r.status === 'failed').length,
      duplicates_at_receiver: receiver.duplicates(),
    };
    console.log(`# webhook deliveries: ${JSON.stringify(figures)}`);
    assert.equal(figures.delivered, 5);
    assert.equal(figures.failed, 5);
    assert.equal(new Set(receiver.received.map((r) => r.deliveryId)).size, 5);
  });
});
