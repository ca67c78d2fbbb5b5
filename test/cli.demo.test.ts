import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_USERS, loadDemo } from '../src/demo/demo.service.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk();
});
after(() => desk.stop());

const count = async (sql: string) => Number((await desk.base.db.query<{ n: string }>(sql))[0]!.n);

describe('desk demo', () => {
  it('when loaded into a running desk, then its requests are matched with verdicts of every kind', async () => {
    const loaded = await loadDemo({
      db: desk.base.db,
      config: desk.base.config,
      templates: desk.web.templates,
    });
    assert.equal(loaded.purchases.inserted, await count('SELECT count(*) AS n FROM purchases'));
    assert.deepEqual(
      loaded.usersAdded,
      DEMO_USERS.map((u) => u.email),
    );
    assert.ok(loaded.requestsFiled.length >= 5);
    desk.web.relay.wake();
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM recovery_requests WHERE status = 'triage'`)) ===
        loaded.requestsFiled.length,
      20_000,
      'every demo request matched',
    );
    const verdicts = await desk.base.db.query<{ verdict: string }>(
      'SELECT DISTINCT verdict FROM match_results',
    );
    assert.deepEqual(verdicts.map((v) => v.verdict).sort(), ['conflict', 'none', 'partial', 'strong']);
  });

  it('when loaded again, then nothing is added', async () => {
    const before = await count('SELECT count(*) AS n FROM recovery_requests');
    const again = await loadDemo({
      db: desk.base.db,
      config: desk.base.config,
      templates: desk.web.templates,
    });
    assert.equal(again.purchases.inserted + again.purchases.updated, 0);
    assert.deepEqual(again.usersAdded, []);
    assert.deepEqual(again.requestsFiled, []);
    assert.equal(await count('SELECT count(*) AS n FROM recovery_requests'), before);
  });
});
