import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/logger.ts';
import { enqueueInTransaction, startRelay, type Relay } from '../src/outbox/outbox.relay.ts';
import { notifyOutboxRows } from '../src/outbox/outbox.repository.ts';
import { createQueues, type Queues } from '../src/queues.ts';
import { connectRedis } from '../src/redis/redis.ts';
import { RedisServer } from '../src/redis/redis-server.ts';
import type { TestDatabase } from './helpers/database.ts';
import { serverDatabase } from './helpers/processes.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait.ts';

// A relay that polls only once a minute, listening through a TCP proxy of the test's own: rows
// leave within seconds only if the notification (or the reconnection after an outage) moves them.

let database: TestDatabase & { url?: string };
let redis: RedisServer;
let queues: Queues;
let proxy: TcpProxy;
let relay: Relay;
let dir: string;
let disconnect: () => void;

before(async () => {
  database = await serverDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'rd-listen-'));
  redis = await RedisServer.start({ dir });
  const logger = createLogger('silent');
  const client = connectRedis(redis.url, 'client', logger);
  disconnect = () => client.disconnect();
  queues = createQueues(client, `t${process.pid}`);
  const direct = new URL(database.url);
  proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(database.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  relay = startRelay(database.db, queues, logger, { listenUrl: viaProxy.toString(), intervalMs: 60_000 });
});
after(async () => {
  await relay.stop();
  await proxy.cut();
  await queues.close();
  disconnect();
  await redis.stop();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** An outbox row written (and, unless told otherwise, announced) as `desk demo` writes its rows. */
async function writeRow(requestId: number, announce = true): Promise<string> {
  await database.db.transaction((tx) => enqueueInTransaction(tx, 'match', { requestId }));
  if (announce) await notifyOutboxRows(database.db);
  const [row] = await database.db.query<{ job_id: string }>(
    `SELECT job_id FROM outbox WHERE payload->>'requestId' = $1`,
    [String(requestId)],
  );
  return row!.job_id;
}

async function handedToRedis(jobId: string, what: string): Promise<void> {
  await waitFor(async () => (await queues.get('match').getJob(jobId)) !== undefined, 10_000, what);
  // The relay adds the job, then marks its row: the mark follows a moment later.
  await waitFor(
    async () => {
      const [row] = await database.db.query<{ dispatched: boolean }>(
        'SELECT dispatched_at IS NOT NULL AS dispatched FROM outbox WHERE job_id = $1',
        [jobId],
      );
      return row!.dispatched;
    },
    5_000,
    `${what}: its outbox row marked dispatched`,
  );
}

describe('the relay listening for outbox rows', () => {
  it('when a process without a relay writes a row and notifies, then the listening relay moves it at once', async () => {
    await waitFor(
      async () => {
        // The listener is up once a notified row moves; until then, its first connection is on the way.
        return (
          (await database.db.query('SELECT 1 FROM pg_stat_activity WHERE query = $1', ['LISTEN desk_outbox']))
            .length > 0
        );
      },
      10_000,
      'the listener to connect',
    );
    const jobId = await writeRow(1001);
    await handedToRedis(jobId, 'the notified row to reach Redis');
  });

  it('when the listening connection is cut and rows are written meanwhile, then they move once it reconnects', async () => {
    await proxy.cut();
    // Written and announced while nobody listens: the notification is lost.
    const jobId = await writeRow(1002);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await queues.get('match').getJob(jobId), undefined, 'not moved while cut off');
    await proxy.restore();
    await handedToRedis(jobId, 'the row written during the outage to reach Redis after reconnection');
    // And it listens again.
    const next = await writeRow(1003);
    await handedToRedis(next, 'a row notified after reconnection to reach Redis');
  });
});
