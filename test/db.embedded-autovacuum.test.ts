import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPglite, type Db } from '../src/db/db.ts';
import { autovacuumEmbedded } from '../src/db/embedded-autovacuum.ts';
import { migrate } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { waitFor } from './helpers/wait.ts';

let db: Db;
/** What the planner believes of the outbox, and its dead rows, as statistics show them now. */
async function outboxStatistics() {
  await db.query('SELECT pg_stat_force_next_flush()');
  const [row] = await db.query<{ planned: number; dead: number }>(
    `SELECT c.reltuples::float8 AS planned, s.n_dead_tup::int AS dead
       FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = 'outbox'`,
  );
  return row!;
}

describe('the embedded database without autovacuum', () => {
  before(async () => {
    db = await openPglite();
    await migrate(db);
  });
  after(() => db.close());

  it('when a table grows or its rows are updated, then the desk analyzes and vacuums it, as autovacuum would', async () => {
    await db.exec(
      `INSERT INTO outbox (queue, job_name, payload) SELECT 'match', 'match', '{}' FROM generate_series(1, 2000)`,
    );
    assert.notEqual((await outboxStatistics()).planned, 2000, 'nothing else refreshes the statistics');
    const stop = autovacuumEmbedded(db, createLogger('silent'), 200);
    try {
      await waitFor(async () => (await outboxStatistics()).planned === 2000, 5_000, 'the ANALYZE');
      await db.exec('UPDATE outbox SET dispatched_at = now()');
      await waitFor(async () => (await outboxStatistics()).dead === 0, 5_000, 'the VACUUM');
    } finally {
      stop();
    }
  });

  it('when a table barely changes, then it is left alone', async () => {
    const [before] = await db.query<{ at: Date }>(
      `SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'outbox'`,
    );
    await db.exec(`INSERT INTO outbox (queue, job_name, payload) VALUES ('match', 'match', '{}')`);
    const stop = autovacuumEmbedded(db, createLogger('silent'), 100);
    await new Promise((r) => setTimeout(r, 500));
    stop();
    const [after] = await db.query<{ at: Date }>(
      `SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'outbox'`,
    );
    assert.equal(after!.at.getTime(), before!.at.getTime());
  });
});
