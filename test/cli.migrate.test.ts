import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDb } from '../src/db/db.ts';
import { embeddedDataDir } from './helpers/database.ts';

function desk(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['bin/desk.js', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('desk migrate', () => {
  it('when run on a new embedded database, then it applies every migration; run again, it changes nothing', async () => {
    const { dir, remove } = embeddedDataDir();
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
      remove();
    }
  });

  it('when a desk process holds the embedded server, then a command joins it and leaves it running for the desk', async () => {
    const { dir, remove } = embeddedDataDir();
    try {
      const running = await openDb({ dataDir: dir });
      const result = desk(['migrate'], { DATA_DIR: dir, DATABASE_URL: '' });
      assert.equal(result.status, 0, result.stderr);
      const [row] = await running.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      assert.ok(row!.n > 0);
      assert.equal(running.kind, 'embedded');
      await running.close();
      // The last to leave stopped it: a new process starts it again.
      assert.equal(existsSync(path.join(dir, 'postgres', 'cluster', 'postmaster.pid')), false);
    } finally {
      remove();
    }
  });

  it('when the command is unknown, then it says so and exits 2', () => {
    const result = desk(['frobnicate'], {});
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown command "frobnicate"/);
  });
});
