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
        // Seen as taken before it starts, or the second server failing to bind and exiting 1.
        /taken by another redis-server|redis-server exited \(1\)/,
      );
      assert.equal(await redisProcessId(first.url), firstPid, 'the first one still answers, untouched');
    } finally {
      await first.stop();
    }
  });

  it('when something else killed it, then stop() returns at once instead of waiting for an exit that already came', async () => {
    const server = await RedisServer.start({ dir: path.join(dir, 'killed') });
    const pid = await redisProcessId(server.url);
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    while ((await redisProcessId(server.url, 100)) !== undefined) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // the child's 'exit' event is delivered meanwhile
    const stopped = await Promise.race([
      server.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5_000).unref()),
    ]);
    assert.equal(stopped, 'stopped');
  });
});
