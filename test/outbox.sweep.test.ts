import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import request from 'supertest';
import { STALE_SECONDS } from '../src/outbox/outbox.relay.ts';
import { startWorkers, type Workers } from '../workers/index.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let workers: Workers | undefined;
before(async () => {
  desk = await startDesk({ workers: false });
});
after(async () => {
  await workers?.stop();
  await desk.stop();
});

const undispatched = async () =>
  (await desk.base.db.query('SELECT 1 FROM outbox WHERE dispatched_at IS NULL')).length;

describe('the outbox sweep', () => {
  it('when Redis loses jobs that had left the outbox, then the sweep hands them again and the work is done once', async () => {
    const res = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    const reference = res.body.reference as string;
    await waitFor(async () => (await undispatched()) === 0, 15_000, 'the jobs to leave the outbox');
    // Redis forgets everything (a restart without persistence): the jobs are gone.
    const redis = new Redis(desk.redis.url);
    await redis.flushall();
    redis.disconnect();
    assert.equal(await desk.web.relay.sweep(), 0, 'work that is merely recent is left alone');
    await desk.base.db.query(
      `UPDATE outbox SET dispatched_at = dispatched_at - make_interval(secs => $1::int)`,
      [STALE_SECONDS + 60],
    );

    assert.equal(await desk.web.relay.sweep(), 2, 'the match job and the acknowledgement');
    workers = startWorkers(desk.base);

    await desk.smtp.waitForSubject(reference, 30_000);
    await waitFor(
      async () =>
        (
          await desk.base.db.query(
            `SELECT 1 FROM recovery_requests WHERE reference = $1 AND status = 'triage'`,
            [reference],
          )
        ).length > 0,
      30_000,
      'the request matched',
    );
    await desk.base.db.query(
      `UPDATE outbox SET dispatched_at = dispatched_at - make_interval(secs => $1::int)`,
      [STALE_SECONDS + 60],
    );
    assert.equal(await desk.web.relay.sweep(), 0, 'done work is never handed again');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(desk.smtp.withSubject(reference).length, 1, 'the acknowledgement arrived once');
    const results = await desk.base.db.query(
      'SELECT 1 FROM match_results m JOIN recovery_requests r ON r.id = m.request_id WHERE r.reference = $1',
      [reference],
    );
    assert.equal(results.length, 1);
  });
});
