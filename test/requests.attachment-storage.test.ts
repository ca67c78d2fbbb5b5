import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { download, storedAttachments } from './helpers/attachments.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import { fileMatchedRequest } from './helpers/tickets.ts';

// Issue 14, item 4: uploaded files live in PostgreSQL, in encrypted chunks, so any web process on
// any host serves them and no one needs a shared DATA_DIR.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let desk: TestDesk;
let tech: SignedIn;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  tech = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

/** A PDF by its first bytes, about 700 KB (three chunks), with `marker` in the middle of each chunk. */
function receiptWith(marker: string): Buffer {
  const parts = [Buffer.from('%PDF-1.4\n')];
  for (let i = 0; i < 14; i++) parts.push(Buffer.from(`${marker} `), randomBytes(50_000));
  return Buffer.concat(parts);
}

/** Files the form with `file` attached; the request's id and reference. */
async function fileWith(app: TestDesk['app'], file: Buffer): Promise<{ id: number; reference: string }> {
  const body = validRequest();
  let req = request(app).post('/recover');
  for (const [key, value] of Object.entries(body)) req = req.field(key, String(value));
  await req
    .attach('attachment', file, { filename: 'receipt.pdf', contentType: 'application/pdf' })
    .expect(303);
  const [row] = await desk.base.db.query<{ id: number; reference: string }>(
    'SELECT id, reference FROM recovery_requests WHERE email = $1',
    [body.email],
  );
  return row!;
}

describe('uploaded files in the database', () => {
  it('when a file is uploaded, then a technician downloads it byte for byte, with its type, as an attachment, nosniff', async () => {
    const file = receiptWith(`marker-${randomBytes(8).toString('hex')}`);
    const filed = await fileWith(desk.app, file);
    const [stored] = await storedAttachments(desk.base.db, filed.id);
    assert.equal(stored!.chunks, 3, 'stored in 256 KiB chunks');
    const res = await download(tech.agent, filed.reference, stored!.id).expect(200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.headers['content-length'], String(file.length));
    assert.match(res.headers['content-disposition'] ?? '', /^attachment; filename="?receipt\.pdf"?$/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(Buffer.isBuffer(res.body) && res.body.equals(file), 'the same bytes');
    assert.equal(stored!.sha256, createHash('sha256').update(res.body).digest('hex'));
  });

  it('when a file is uploaded, then the table holds none of its plaintext', async () => {
    const marker = `marker-${randomBytes(8).toString('hex')}`;
    const file = receiptWith(marker);
    // The search finds the marker in the file as uploaded, so finding none below means something.
    const [probe] = await desk.base.db.query<{ found: boolean }>(
      `SELECT position(convert_to($1, 'UTF8') IN $2::bytea) > 0 AS found`,
      [marker, file],
    );
    assert.equal(probe!.found, true);
    const filed = await fileWith(desk.app, file);
    const [stored] = await storedAttachments(desk.base.db, filed.id, marker);
    assert.equal(stored!.chunks, 3);
    assert.equal(stored!.plain, 0, 'no chunk holds the marker in plain bytes');
    const [header] = await desk.base.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM attachment_chunks
        WHERE attachment_id = $1 AND position(convert_to('%PDF', 'UTF8') IN data) > 0`,
      [stored!.id],
    );
    assert.equal(header!.n, 0, 'not even the PDF header');
  });

  it('when a chunk is moved to another place, then the download fails rather than serve it', async () => {
    const filed = await fileWith(desk.app, receiptWith('swap'));
    const [stored] = await storedAttachments(desk.base.db, filed.id);
    // Swap chunks 1 and 2: each is sealed to its place, so neither opens in the other's.
    await desk.base.db.query(
      `UPDATE attachment_chunks SET seq = CASE seq WHEN 1 THEN 2 ELSE 1 END + 100
        WHERE attachment_id = $1 AND seq IN (1, 2)`,
      [stored!.id],
    );
    await desk.base.db.query(
      'UPDATE attachment_chunks SET seq = seq - 100 WHERE attachment_id = $1 AND seq > 99',
      [stored!.id],
    );
    const res = await download(tech.agent, filed.reference, stored!.id).catch((error: unknown) => error);
    // The headers left with the first chunk; the body is cut short, never whole.
    const body = (res as { body?: unknown }).body;
    assert.ok(!Buffer.isBuffer(body) || body.length < stored!.size_bytes, 'no whole file served');
  });

  it('when a second web process runs on the same database with a DATA_DIR of its own, then it serves a file uploaded through the first', async () => {
    const second = await startDesk({
      database: desk.database,
      redis: desk.redis,
      smtp: desk.smtp,
      workers: false,
      env: { SECRET_KEY: desk.base.config.secretKey },
    });
    try {
      assert.notEqual(second.dataDir, desk.dataDir);
      const file = receiptWith('second');
      const filed = await fileWith(desk.app, file);
      const [stored] = await storedAttachments(desk.base.db, filed.id);
      const other = await signInAs(second.app, second.base.db, 'technician');
      const res = await download(other.agent, filed.reference, stored!.id).expect(200);
      assert.ok((res.body as Buffer).equals(file));
      assert.ok(
        !existsSync(path.join(second.dataDir, 'uploads')),
        'nothing read from or written to its disk',
      );
    } finally {
      await second.stop();
    }
  });
});

describe('uploads an older desk left on disk', () => {
  it('when `desk migrate` runs, then each file under DATA_DIR/uploads moves into the database and off the disk; until then its download says what to run', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const storagePath = path.join('uploads', '2024-05', `${randomBytes(16).toString('hex')}.png`);
    mkdirSync(path.join(desk.dataDir, 'uploads', '2024-05'), { recursive: true });
    const content = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(300_000)]);
    writeFileSync(path.join(desk.dataDir, storagePath), content, { mode: 0o600 });
    const sha256 = createHash('sha256').update(content).digest('hex');
    const [row] = await desk.base.db.query<{ id: number }>(
      `INSERT INTO attachments (request_id, original_name, content_type, size_bytes, sha256, storage_path)
       VALUES ($1, 'old.png', 'image/png', $2, $3, $4) RETURNING id`,
      [ticket.id, content.length, sha256, storagePath],
    );
    const before = await download(tech.agent, ticket.reference, row!.id).expect(404);
    assert.match((before.body as Buffer).toString(), /desk migrate/);

    const first = await deskMigrate();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Moved 1 uploaded files from DATA_DIR\/uploads into the database/);
    assert.ok(!existsSync(path.join(desk.dataDir, storagePath)), 'the file is gone from the disk');
    assert.ok(!existsSync(path.join(desk.dataDir, 'uploads', '2024-05')), 'and its emptied month folder');
    const [stored] = await storedAttachments(desk.base.db, ticket.id);
    assert.equal(stored!.storage_path, null);
    assert.equal(stored!.chunks, 2);
    const res = await download(tech.agent, ticket.reference, row!.id).expect(200);
    assert.ok((res.body as Buffer).equals(content));

    const second = await deskMigrate();
    assert.equal(second.status, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /Moved/);
  });
});

/** `desk migrate` against this desk's database and DATA_DIR, with its key. */
async function deskMigrate(): Promise<{ status: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/desk.js', 'migrate'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      // A PostgreSQL server: the embedded database is being retired (issue 14, item 1).
      DATABASE_URL: desk.database.url ?? '',
      DATA_DIR: desk.dataDir,
      SECRET_KEY: desk.base.config.secretKey,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number];
  return { status, stdout, stderr };
}
