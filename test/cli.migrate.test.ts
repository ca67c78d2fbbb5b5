import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDb } from '../src/db/db.ts';
import { lockDataDir } from '../src/db/pglite-lock.ts';

function desk(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['bin/desk.js', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('desk migrate', () => {
  it('when run on a new embedded database, then it applies every migration; run again, it changes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-cli-'));
    const env = { DATA_DIR: dir, DATABASE_URL: '' };
    try {
      const migrations = readdirSync('src/db/migrations')
        .filter((f) => f.endsWith('.sql'))
        .map((f) => f.replace(/\.sql$/, ''))
        .sort();
      const first = desk(['migrate'], env);
      assert.equal(first.status, 0, first.stderr);
      assert.equal(first.stdout.trim(), `Applied: ${migrations.join(', ')}`);
      const second = desk(['migrate'], env);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /up to date/);
      const db = await openDb({ dataDir: dir });
      const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      await db.close();
      assert.deepEqual(
        recorded.map((r) => r.name),
        migrations,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when another process holds the embedded database, then it refuses with a clear message and changes nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-cli-'));
    const unlock = lockDataDir(path.join(dir, 'pglite.lock'));
    try {
      const result = desk(['migrate'], { DATA_DIR: dir, DATABASE_URL: '' });
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(`in use by process ${process.pid}`));
    } finally {
      unlock();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the command is unknown, then it says so and exits 2', () => {
    const result = desk(['frobnicate'], {});
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown command "frobnicate"/);
  });
});
