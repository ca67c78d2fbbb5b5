import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { RedisServer } from '../src/redis/redis-server.ts';
import { redisProcessId } from '../src/redis/redis.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rd-redis-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a private redis-server', () => {
  it('when its port already has another redis-server, then starting it fails instead of sharing that one', async () => {
    const first = await RedisServer.start({ dir: path.join(dir, 'first') });
    try {
      const firstPid = await redisProcessId(first.url);
      assert.ok(firstPid);
      await assert.rejects(
        RedisServer.start({ dir: path.join(dir, 'second'), port: first.port }),
        /taken by another redis-server/,
      );
      assert.equal(await redisProcessId(first.url), firstPid, 'the first one still answers, untouched');
    } finally {
      await first.stop();
    }
  });
});
