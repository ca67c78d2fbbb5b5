import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDb, sharedSocketPath, type Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrate.ts';
import { connectSharedDatabase, shareDatabase } from '../src/db/shared-embedded.ts';

let dir: string;
let db: Db;
let stopSharing: () => Promise<void>;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rd-share-'));
  db = await openDb({ dataDir: dir });
  await migrate(db);
  await db.exec(
    'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())',
  );
  stopSharing = await shareDatabase(db, sharedSocketPath(dir));
});
after(async () => {
  await stopSharing();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a running desk sharing its embedded database', () => {
  it('when a command queries through the socket, then rows come back with their types', async () => {
    const client = await connectSharedDatabase(sharedSocketPath(dir));
    try {
      const [row] = await client.query<{ id: number; body: string; at: Date }>(
        'INSERT INTO notes (body) VALUES ($1) RETURNING *',
        ['hello'],
      );
      assert.equal(row!.body, 'hello');
      assert.equal(typeof row!.id, 'number');
      assert.ok(row!.at instanceof Date);
    } finally {
      await client.close();
    }
  });

  it('when a transaction commits or throws, then its rows are kept or all rolled back', async () => {
    const client = await connectSharedDatabase(sharedSocketPath(dir));
    try {
      await client.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (body) VALUES ($1)', ['kept']);
      });
      await assert.rejects(
        client.transaction(async (tx) => {
          await tx.query('INSERT INTO notes (body) VALUES ($1)', ['dropped']);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      const bodies = (await db.query<{ body: string }>('SELECT body FROM notes ORDER BY id')).map(
        (r) => r.body,
      );
      assert.ok(bodies.includes('kept'));
      assert.ok(!bodies.includes('dropped'));
    } finally {
      await client.close();
    }
  });

  it('when SQL fails, then the error and its code reach the command', async () => {
    const client = await connectSharedDatabase(sharedSocketPath(dir));
    try {
      await assert.rejects(
        client.query('SELECT * FROM no_such_table'),
        (e: { code?: string }) => e.code === '42P01',
      );
    } finally {
      await client.close();
    }
  });

  it('when `desk migrate` runs while the desk holds the database, then it works through the desk', async () => {
    // Not spawnSync: this process is the desk, and must keep answering while the command runs.
    const child = spawn(process.execPath, ['bin/desk.js', 'migrate'], {
      env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, stderr);
    assert.match(stdout, /up to date/);
  });
});
