import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk();
});
after(() => desk.stop());

describe('when Redis is down', () => {
  it('then a request is still accepted, and its email and match job go out once Redis is back', async () => {
    await desk.redis.stop();
    const body = validRequest();
    const res = await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201);
    const reference = res.body.reference as string;

    const [row] = await desk.base.db.query<{ id: number; status: string }>(
      'SELECT id, status FROM recovery_requests WHERE reference = $1',
      [reference],
    );
    assert.equal(row!.status, 'received');
    const waiting = await desk.base.db.query('SELECT 1 FROM outbox WHERE dispatched_at IS NULL');
    assert.equal(waiting.length, 2, 'the email and the match job wait in the outbox');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(desk.smtp.withSubject(reference).length, 0, 'nothing is sent while Redis is down');

    await desk.redis.start();
    const mail = await desk.smtp.waitForSubject(reference, 20_000);
    assert.deepEqual(mail.to, [body.email]);
    await waitFor(
      async () => (await desk.base.db.query('SELECT 1 FROM outbox WHERE dispatched_at IS NULL')).length === 0,
    );
    const matchJobs = await desk.web.queues
      .get('match')
      .getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed');
    assert.equal(
      Object.values(matchJobs).reduce((a, b) => a + b, 0),
      1,
      'the match job reached its queue',
    );
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(desk.smtp.withSubject(reference).length, 1, 'and the email arrived exactly once');
  });
});
