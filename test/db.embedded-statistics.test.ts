import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPglite, type Db } from '../src/db/db.ts';
import { analyzeEmbeddedPeriodically } from '../src/db/embedded-statistics.ts';
import { migrate } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { waitFor } from './helpers/wait.ts';

let db: Db;
const rowsThePlannerExpects = async () =>
  Number(
    (
      await db.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'outbox'`)
    )[0]!.n,
  );

describe('planner statistics of the embedded database', () => {
  before(async () => {
    db = await openPglite();
    await migrate(db);
  });
  after(() => db.close());

  it('when tables grow, then the desk analyzes them at start and again every period, with no autovacuum', async () => {
    const stop = analyzeEmbeddedPeriodically(db, createLogger('silent'), 1_500);
    try {
      await waitFor(async () => (await rowsThePlannerExpects()) === 0, 5_000, 'the first ANALYZE');
      await db.exec(
        `INSERT INTO outbox (queue, job_name, payload) SELECT 'match', 'match', '{}' FROM generate_series(1, 2000)`,
      );
      assert.notEqual(await rowsThePlannerExpects(), 2000, 'nothing else refreshes the statistics');
      await waitFor(async () => (await rowsThePlannerExpects()) === 2000, 5_000, 'the next ANALYZE');
    } finally {
      stop();
    }
  });
});
