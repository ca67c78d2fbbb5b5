import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_USERS, loadDemo } from '../src/demo/demo.service.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { mailsWithCode } from './helpers/instant.ts';
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

describe('desk demo with instant recovery on (AUTO_RESEND=strong, the default)', () => {
  it('when loaded into a running desk, then the two clear strong requests are resolved as auto with one code email each to the purchaser, and the others wait in triage', async () => {
    const instant = await startDesk({ env: { AUTO_RESEND: 'strong' } });
    try {
      const loaded = await loadDemo({
        db: instant.base.db,
        config: instant.base.config,
        templates: instant.web.templates,
      });
      instant.web.relay.wake();
      const statuses = async () =>
        instant.base.db.query<{ name: string; status: string; auto: boolean }>(
          `SELECT r.name, r.status,
                  EXISTS (SELECT 1 FROM request_events e
                           WHERE e.request_id = r.id AND e.type = 'code_sent' AND e.actor = 'auto') AS auto
             FROM recovery_requests r ORDER BY r.id`,
        );
      await waitFor(
        async () => (await statuses()).every((r) => r.status !== 'received'),
        20_000,
        'every demo request matched',
      );
      const rows = await statuses();
      assert.equal(rows.length, loaded.requestsFiled.length);
      const resolved = rows.filter((r) => r.status === 'resolved');
      assert.deepEqual(
        resolved.map((r) => [r.name, r.auto]),
        [
          ['Anna Schmidt', true],
          ['James Walker', true],
        ],
      );
      assert.ok(
        rows.filter((r) => r.status !== 'resolved').every((r) => r.status === 'triage' && !r.auto),
        'the others wait for a person',
      );
      // The demo purchases' codes (demo/purchases.csv), each to its purchaser's address of record.
      for (const [code, to] of [
        ['TQF3M-E8SQB-9YC3U-V475M', 'anna.schmidt@example.de'],
        ['9EZ6T-9WXY2-BR763-96Y4U', 'j.walker@gmail.com'],
      ] as const) {
        await waitFor(() => mailsWithCode(instant, code).length > 0, 15_000, `the code email to ${to}`);
        const mails = mailsWithCode(instant, code);
        assert.equal(mails.length, 1, to);
        assert.deepEqual(mails[0]!.to, [to]);
      }
    } finally {
      await instant.stop();
    }
  });
});
