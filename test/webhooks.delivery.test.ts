import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { verifySignature } from '../src/integrations/signature.ts';
import { checkedAddress, urlShape } from '../src/webhooks/url-guard.ts';
import type { TestDesk } from './helpers/desk.ts';
import { fileMatchedRequest, postApproval, postDecision, purchase } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';
import { startDesk } from './helpers/desk.ts';

let desk: TestDesk;
let admin: TestUser;
let technician: TestUser;
let supervisor: TestUser;
let receiver: WebhookReceiver;
before(async () => {
  receiver = await WebhookReceiver.start();
  desk = await startDesk({
    env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', WEBHOOK_ALLOW_HOSTS: '127.0.0.1' },
  });
  admin = await createUserWithToken(desk.base.db, 'admin');
  technician = await createUserWithToken(desk.base.db, 'technician');
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
});
after(async () => {
  await desk.stop();
  await receiver.stop();
});

const register = (body: Record<string, unknown>, token = admin.token) =>
  request(desk.app).post('/api/v1/webhooks').set('Authorization', `Bearer ${token}`).send(body);

describe('webhooks', () => {
  it('when an endpoint is registered, then private, loopback and plain http hosts are refused unless allowed, and the secret is shown once', async () => {
    for (const url of [
      'https://127.0.0.2/x',
      'https://10.1.2.3/x',
      'https://[::1]/x',
      'https://169.254.169.254/x',
      'http://example.com/x',
      'ftp://127.0.0.1/x',
    ]) {
      const res = await register({ url, events: ['request.filed'] }).expect(422);
      assert.ok(res.body.fields.url, url);
    }
    await register({ url: receiver.url, events: ['nope'] }).expect(422);
    await register({ url: receiver.url, events: ['request.filed'] }, technician.token).expect(403);
    const created = await register({
      url: receiver.url,
      events: ['request.filed'],
      description: 'first',
    }).expect(201);
    assert.match(created.body.secret, /^whsec_/);
    const list = await request(desk.app)
      .get('/api/v1/webhooks')
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(200);
    assert.ok(!JSON.stringify(list.body).includes(created.body.secret));
    await request(desk.app)
      .delete(`/api/v1/webhooks/${created.body.id}`)
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(204);
    const [audit] = await desk.base.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_events WHERE action IN ('webhook_created', 'webhook_deleted')",
    );
    assert.equal(audit!.n, 2);
  });

  it('when a request is filed, matched and resolved, then the events arrive signed and in order, with no code, token, address or free text', async () => {
    const created = await register({
      url: receiver.url,
      events: ['request.filed', 'request.matched', 'request.resolved'],
    }).expect(201);
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    await postDecision(desk, technician.token, ticket.reference, { type: 'reissue', mode: 'resend' }).expect(
      200,
    );
    const mine = () => receiver.received.filter((r) => r.body.includes(ticket.reference));
    await waitFor(() => mine().length >= 3, 15_000, 'three deliveries');
    const bodies = mine().map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    assert.deepEqual(
      bodies.map((b) => b.type),
      ['request.filed', 'request.matched', 'request.resolved'],
    );
    for (const r of mine()) {
      assert.ok(verifySignature(created.body.secret, r.body, r.signature, Math.floor(Date.now() / 1000)));
      for (const secret of [p.activation_code, ticket.token, ticket.email, p.purchaser_email])
        assert.ok(!r.body.includes(secret), `${secret} in ${r.body}`);
    }
    assert.deepEqual(Object.keys(bodies[2]!.data).sort(), ['reference', 'request_status', 'verdict']);

    // "Send again" by the API, as the console's button: the same delivery (id, body) once more;
    // a technician's token, or a delivery of another endpoint, changes nothing.
    const api = (path: string, token = admin.token) =>
      request(desk.app).post(path).set('Authorization', `Bearer ${token}`);
    const log = await request(desk.app)
      .get(`/api/v1/webhooks/${created.body.id}/deliveries`)
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(200);
    const filed = (log.body.deliveries as { id: number; type: string }[]).find(
      (d) => d.type === 'request.filed',
    )!;
    const resend = `/api/v1/webhooks/${created.body.id}/deliveries/${filed.id}/resend`;
    await api(resend, technician.token).expect(403);
    await api(`/api/v1/webhooks/${Number(created.body.id) + 1000}/deliveries/${filed.id}/resend`).expect(404);
    await api(`/api/v1/webhooks/${created.body.id}/deliveries/nonsense/resend`).expect(404);
    assert.equal(mine().length, 3);
    const sent = await api(resend).expect(202);
    assert.deepEqual(sent.body, { id: filed.id, status: 'pending' });
    await waitFor(() => mine().length === 4, 15_000, 'the delivery sent again');
    assert.equal(mine()[3]!.body, mine()[0]!.body, 'the same delivery: same id, same body');
    const [audited] = await desk.base.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'webhook_resent' AND actor = $1`,
      [admin.user.email],
    );
    assert.equal(audited!.n, 1);
    await request(desk.app)
      .delete(`/api/v1/webhooks/${created.body.id}`)
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(204);
  });

  it('when a refund is proposed and approved, then approval.requested, purchase.refunded, approval.decided and request.resolved arrive in the order they were recorded with the approval id, the decision and the licence number', async () => {
    const created = await register({
      url: receiver.url,
      events: ['approval.requested', 'approval.decided', 'purchase.refunded', 'request.resolved'],
    }).expect(201);
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p, { desired_outcome: 'refund' });
    const proposed = await postDecision(desk, technician.token, ticket.reference, {
      type: 'refund',
      amount: '549.00',
    }).expect(202);
    const approvalId = proposed.body.approval_id as number;
    await postApproval(desk, supervisor.token, approvalId, 'approve').expect(200);
    const mine = () => receiver.processed.filter((r) => r.reference === ticket.reference);
    await waitFor(() => mine().length >= 4, 15_000, 'four deliveries');
    const bodies = mine().map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    // The approval's transaction records the refund before it marks the approval decided.
    assert.deepEqual(
      bodies.map((b) => b.type),
      ['approval.requested', 'purchase.refunded', 'approval.decided', 'request.resolved'],
    );
    const ids = mine().map((r) => Number(r.deliveryId));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'in the order of the deliveries',
    );
    assert.equal(bodies[0]!.data.approval_id, approvalId);
    assert.equal(bodies[1]!.data.license_number, p.license_number);
    // Each event carries the request's status when it was recorded: still pending approval here.
    assert.deepEqual(bodies[2]!.data, {
      reference: ticket.reference,
      request_status: 'pending_approval',
      verdict: 'strong',
      approval_id: approvalId,
      decision: 'approved',
    });
    await request(desk.app)
      .delete(`/api/v1/webhooks/${created.body.id}`)
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(204);
  });

  it('when a host passed at registration resolves to a private address at delivery, then the guard refuses it (DNS rebinding)', async () => {
    const url = urlShape('https://hooks.example.com/x', []);
    const publicAnswer = () => Promise.resolve([{ address: '93.184.216.34', family: 4 }]);
    assert.equal((await checkedAddress(url, [], publicAnswer)).address, '93.184.216.34');
    for (const inside of [
      '127.0.0.1',
      '169.254.169.254',
      '::ffff:10.0.0.1',
      'fd00::1',
      'fe80::1',
      '100.64.0.1',
      '0.0.0.0',
    ])
      await assert.rejects(
        checkedAddress(url, [], () =>
          Promise.resolve([
            { address: '93.184.216.34', family: 4 },
            { address: inside, family: inside.includes(':') ? 6 : 4 },
          ]),
        ),
        /private, loopback or link-local/,
        inside,
      );
  });
});
