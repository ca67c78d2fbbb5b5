import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { joinOrStartEmbedded, stopEmbeddedNow, type EmbeddedServer } from '../../src/db/embedded-postgres.ts';
import { throwawayDatabase, type ThrowawayDatabase } from '../../src/db/throwaway.ts';

export type TestDatabase = ThrowawayDatabase;
export { throwawayDatabase };

/**
 * A fresh, migrated database of the test's own, dropped by `drop()`, on the PostgreSQL server at
 * DATABASE_URL. `npm test` (test/run.ts) sets it to an embedded server it starts for the run; a
 * test file run on its own without it starts a private embedded server for its process.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  return throwawayDatabase(await serverUrl(), 'rd_test');
}

let privateServer: Promise<string> | undefined;

export function serverUrl(): Promise<string> {
  const configured = process.env.DATABASE_URL;
  if (configured) return Promise.resolve(configured);
  privateServer ??= startPrivateServer();
  return privateServer;
}

/** An embedded server in a temporary folder, stopped and deleted when this process exits. */
export async function startPrivateServer(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-pg-'));
  // As root the server runs as the postgres user, which must reach its folder.
  chmodSync(dir, 0o755);
  const server = await joinOrStartEmbedded(dir);
  process.once('exit', () => {
    stopEmbeddedNow(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  return server.url;
}

/**
 * A DATA_DIR for a desk on its embedded defaults, reachable by the postgres user when the tests run
 * as root; `remove()` stops whatever embedded server is left there and deletes the folder.
 */
export function embeddedDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-data-'));
  chmodSync(dir, 0o755);
  return {
    dir,
    remove: () => {
      stopEmbeddedNow(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For a describe block: a DATA_DIR whose embedded server runs from its before() to its after(), as
 * a running desk keeps it, so that the `desk` commands its tests run join it instead of each
 * starting and stopping it.
 */
export function heldEmbeddedDataDir(): { readonly dir: string } {
  let data: ReturnType<typeof embeddedDataDir> | undefined;
  let held: EmbeddedServer | undefined;
  before(async () => {
    data = embeddedDataDir();
    held = await joinOrStartEmbedded(data.dir);
  });
  after(async () => {
    await held?.leave();
    data?.remove();
  });
  return {
    get dir() {
      return data!.dir;
    },
  };
}
