import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/logger.ts';
import { statusCountsCache } from '../src/queue/status-counts.ts';
import { freshDatabase, type TestDatabase } from './helpers/database.ts';
import { waitFor } from './helpers/wait.ts';

let database: TestDatabase;
let filed = 0;

/** One request in `status`, due `dueInHours` from now (negative: overdue). */
async function insertRequest(status: string, dueInHours = 24) {
  filed++;
  await database.db.query(
    `INSERT INTO recovery_requests (reference, status, status_token_hash, email, name, channel, store, country,
       purchased_on, reason, desired_outcome, locale, typed, first_response_due_at, resolution_due_at)
     VALUES ($1, $2, md5($1), 'c@example.com', 'C', 'estore', 'Store', 'GB', '2024-01-01', 'lost',
       'recover_code', 'en', '{}', now() + make_interval(hours => $3), now() + make_interval(hours => $3))`,
    [`RD-CNT${String(filed).padStart(5, '0')}`, status, dueInHours],
  );
}

describe('queue counts', () => {
  before(async () => {
    database = await freshDatabase();
  });
  after(() => database.drop());

  it('when the counts are fresh, then pages reuse them, and once they are old the next pages get a new count', async () => {
    const counts = statusCountsCache(database.db, createLogger('silent'), 200);
    await insertRequest('received');
    await insertRequest('triage', -1);
    const first = await counts.get();
    assert.equal(first.byStatus.received, 1);
    assert.equal(first.byStatus.triage, 1);
    assert.equal(first.overdue, 1);

    await insertRequest('received');
    const again = await counts.get();
    assert.equal(again.byStatus.received, 1, 'a fresh count is reused');
    assert.equal(again.as_of.getTime(), first.as_of.getTime());

    await new Promise((r) => setTimeout(r, 250));
    const stale = await counts.get();
    assert.equal(stale.byStatus.received, 1, 'the page that finds the count old does not wait for a new one');
    await waitFor(async () => (await counts.get()).byStatus.received === 2, 5_000, 'the new count');
    assert.ok((await counts.get()).as_of > first.as_of);
  });

  it('when many pages ask at once before any count, then the requests are counted once', async () => {
    const counts = statusCountsCache(database.db, createLogger('silent'));
    const answers = await Promise.all(Array.from({ length: 5 }, () => counts.get()));
    assert.ok(
      answers.every((a) => a === answers[0]),
      'one count answers them all',
    );
    assert.equal(answers[0]!.byStatus.received, 2);
  });
});
