import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultDesk, requestFor, steadyIntake } from './helpers/fault-desk.ts';
import { assertProcessedOnce } from './helpers/outcomes.ts';
import type { DeskProcess } from './helpers/processes.ts';

// outbox.redis-outage.test.ts shows one request filed while Redis is down. Here Redis (the
// test's own redis-server, with its append-only file as production's should have) stops for
// ten seconds in the middle of steady intake, under separate web and worker processes.

let desk: FaultDesk | undefined;
let web: DeskProcess;
before(async () => {
  desk = await FaultDesk.start();
  web = await desk.spawn('web');
  await desk.spawn('worker');
});
after(() => desk?.stop());

describe('when Redis stops for 10 seconds during steady intake', { timeout: 240_000 }, () => {
  it('then every request is accepted, each is processed once, and every email is sent exactly once', async () => {
    assert.ok(desk, 'the fault desk started');
    const d = desk;
    const purchase = await d.purchase();
    const intake = steadyIntake(
      () => web.url,
      () => requestFor(purchase),
      { parallel: 2, pauseMs: 100 },
    );
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      await d.redis.stop();
      const down = intake.answers.length;
      await new Promise((r) => setTimeout(r, 10_000));
      assert.ok(
        intake.answers.slice(down).filter((a) => a.status === 201).length > 0,
        'requests were accepted while Redis was down',
      );
      await d.redis.start();
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      await intake.stop();
    }
    const refused = intake.answers.filter((a) => a.status !== 201);
    assert.deepEqual(refused, [], 'intake never refused');
    await assertProcessedOnce(d, intake.accepted());
  });
});
