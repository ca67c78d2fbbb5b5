import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { purgeClosedRequests } from '../src/purge/purge.service.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { waitFor } from './helpers/wait.ts';

const KEY = 'k'.repeat(32);
const mode = (file: string) => statSync(file).mode & 0o777;

describe('mail at rest: production settings (README "Security")', () => {
  it('finding 3: when NODE_ENV=production and SMTP_URL is unset, then the settings are refused naming SMTP_URL and MAIL_TO_FILES; with MAIL_TO_FILES=1 they are accepted', () => {
    const production = { NODE_ENV: 'production', SECRET_KEY: KEY, DATA_DIR: tmpdir() };
    assert.throws(
      () => loadConfig(production),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((p) => p.startsWith('SMTP_URL:') && p.includes('MAIL_TO_FILES=1')),
    );
    assert.equal(loadConfig({ ...production, MAIL_TO_FILES: '1' }).smtpUrl, undefined);
    assert.equal(
      loadConfig({ ...production, SMTP_URL: 'smtp://mail.example:587' }).smtpUrl,
      'smtp://mail.example:587',
    );
    assert.throws(() => loadConfig({ ...production, MAIL_TO_FILES: 'yes' }), /MAIL_TO_FILES/);
    // Outside production the files stay the default, as README "Settings" says.
    assert.equal(loadConfig({ SECRET_KEY: KEY, DATA_DIR: tmpdir() }).smtpUrl, undefined);
  });

  it('finding 3: when the desk process starts in production without SMTP_URL, then it exits 1 before touching anything, naming SMTP_URL and MAIL_TO_FILES', () => {
    const dataDir = path.join(tmpdir(), `rd-never-created-${process.pid}`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NODE_ENV: 'production',
        SECRET_KEY: KEY,
        DATA_DIR: dataDir,
        REDIS_URL: 'redis://127.0.0.1:1',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /SMTP_URL: required when NODE_ENV=production/);
    assert.match(result.stderr, /MAIL_TO_FILES=1/);
    assert.ok(!existsSync(dataDir), 'nothing was created');
  });
});

describe('mail at rest: the outbox folder (README "Security")', () => {
  let desk: TestDesk;
  before(async () => {
    desk = await startDesk({ env: { SMTP_URL: '', INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  });
  after(() => desk.stop());

  const outbox = () => path.join(desk.dataDir, 'outbox');

  /** Files a request; returns it with the .eml file its acknowledgement became. */
  async function fileWithAcknowledgement(): Promise<{ id: number; file: string }> {
    const res = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    const [row] = await desk.base.db.query<{ id: number; email_id: number }>(
      `SELECT r.id, e.id AS email_id FROM recovery_requests r JOIN emails e ON e.request_id = r.id
        WHERE r.reference = $1`,
      [res.body.reference],
    );
    const file = path.join(outbox(), `${String(row!.email_id).padStart(6, '0')}.eml`);
    await waitFor(() => existsSync(file), 15_000, `${file} written`);
    return { id: row!.id, file };
  }

  it('finding 3: when an email is written to DATA_DIR/outbox, then only the desk’s user can read it (file 0600, folder 0700)', async () => {
    // A folder left open by an older desk is closed too.
    mkdirSync(outbox(), { recursive: true, mode: 0o755 });
    const { file } = await fileWithAcknowledgement();
    assert.equal(mode(file).toString(8), '600');
    assert.equal(mode(outbox()).toString(8), '700');
    assert.match(readFileSync(file, 'utf8'), /token=/, 'the file is the email as sent, status link and all');
  });

  it('finding 3: when desk purge redacts a request, then the .eml files of its emails are deleted and counted, others stay, and a second purge deletes none', async () => {
    const purged = await fileWithAcknowledgement();
    const kept = await fileWithAcknowledgement();
    await desk.base.db.query(
      `UPDATE recovery_requests SET status = 'rejected', closed_at = now() - interval '100 days' WHERE id = $1`,
      [purged.id],
    );

    const first = await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 90);

    assert.equal(first.purged, 1);
    assert.equal(first.outboxFilesRemoved, 1);
    assert.ok(!existsSync(purged.file), 'the purged request’s email file is gone');
    assert.ok(existsSync(kept.file), 'another request’s email file stays');
    const second = await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 90);
    assert.deepEqual(second, { purged: 0, lookupsPurged: 0, filesRemoved: 0, outboxFilesRemoved: 0 });
  });
});
