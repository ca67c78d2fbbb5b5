import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ workers: false });
});
after(() => desk.stop());

describe('operations endpoints', () => {
  it('when the process is up, then /healthz answers 200', async () => {
    await request(desk.app).get('/healthz').expect(200, { status: 'ok' });
  });

  it('when the database and Redis answer, then /readyz is 200; when Redis stops, 503 naming it', async () => {
    const ok = await request(desk.app).get('/readyz').expect(200);
    assert.deepEqual(ok.body, { status: 'ready', database: 'ok', redis: 'ok' });
    await desk.redis.stop();
    try {
      const down = await request(desk.app).get('/readyz').expect(503);
      assert.equal(down.body.database, 'ok');
      assert.equal(down.body.redis, 'unavailable');
    } finally {
      await desk.redis.start();
    }
  });

  it('when requests come in, then /metrics counts intake by outcome and shows the outbox backlog', async () => {
    await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    await request(desk.app).post('/api/v1/recovery-requests').send({}).expect(422);
    const res = await request(desk.app).get('/metrics').expect(200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    assert.match(res.text, /desk_intake_requests_total\{outcome="accepted"\} 1/);
    assert.match(res.text, /desk_intake_requests_total\{outcome="invalid"\} 1/);
    assert.match(res.text, /desk_outbox_backlog \d+/);
    assert.match(res.text, /desk_requests\{status="received"\} 1/);
  });

  it('when a request carries X-Request-Id, then the response echoes it; otherwise one is made', async () => {
    const given = await request(desk.app).get('/healthz').set('X-Request-Id', 'abc-123').expect(200);
    assert.equal(given.headers['x-request-id'], 'abc-123');
    const made = await request(desk.app).get('/healthz').expect(200);
    assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });
});
