import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queuePrefixOf } from '../src/runtime.ts';
import { freshDatabase } from './helpers/database.ts';

describe("the desk's keys in Redis", () => {
  it('when two desks have their own databases, then their queue prefixes differ; on one database every process agrees', async () => {
    const [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
    try {
      const prefixA = await queuePrefixOf(a.db);
      assert.match(prefixA, /^rd-[0-9a-f]{12}$/);
      assert.equal(await queuePrefixOf(a.db), prefixA);
      assert.notEqual(await queuePrefixOf(b.db), prefixA);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });
});
