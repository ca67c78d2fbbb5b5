import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultDesk, requestFor, steadyIntake } from './helpers/fault-desk.ts';
import { assertProcessedOnce } from './helpers/outcomes.ts';
import type { DeskProcess } from './helpers/processes.ts';
import { waitFor } from './helpers/wait.ts';

let desk: FaultDesk | undefined;
before(async () => {
  desk = await FaultDesk.start();
});
after(() => desk?.stop());

describe('when the processes get SIGTERM under load', { timeout: 240_000 }, () => {
  it('then each stops cleanly (exit 0), and after a restart everything accepted is processed once', async () => {
    assert.ok(desk, 'the fault desk started');
    const d = desk;
    let web: DeskProcess = await d.spawn('web');
    const worker = await d.spawn('worker');
    const purchase = await d.purchase();
    const intake = steadyIntake(
      () => web.url,
      () => requestFor(purchase),
      { parallel: 3, pauseMs: 20 },
    );
    try {
      await waitFor(() => intake.accepted().length >= 20, 60_000, 'load under way');
      const workerEnd = await worker.kill('SIGTERM');
      assert.deepEqual(
        workerEnd,
        { code: 0, signal: null },
        `the worker stopped cleanly:\n${worker.log(10)}`,
      );
      assert.ok(worker.lines.some((l) => l.includes('stopped cleanly')));
      const before = intake.accepted().length;
      await waitFor(() => intake.accepted().length >= before + 10, 60_000, 'intake going on without workers');
      const webEnd = await web.kill('SIGTERM');
      assert.deepEqual(webEnd, { code: 0, signal: null }, `the web process stopped cleanly:\n${web.log(10)}`);
    } finally {
      await intake.stop();
    }
    // Answers during the stop: accepted (201) or not let in (connection refused); never a half answer.
    const others = intake.answers.filter((a) => a.status !== 201 && a.status !== 0);
    assert.deepEqual(others, [], 'no error answers while stopping');

    web = await d.spawn('web');
    await d.spawn('worker');
    await assertProcessedOnce(d, intake.accepted());
  });
});
