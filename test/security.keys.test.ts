import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { notifyOutboxRows } from '../src/outbox/outbox.repository.ts';
import { queueEmail, statusLinkSecret } from '../src/mail/mail.service.ts';
import { createCodeCipher, keyId } from '../src/purchases/code-cipher.ts';
import { createFileCipher } from '../src/purchases/file-cipher.ts';
import { verifySignature } from '../src/integrations/signature.ts';
import { readInboundRaw, storeInbound, type InboundEnvelope } from '../src/inbound/inbound.repository.ts';
import { storeAttachment } from '../src/requests/attachment-store.ts';
import { createCodeFingerprint } from '../src/purchases/code-fingerprint.ts';
import { openDatabase } from '../src/runtime.ts';
import { freshDatabase, type TestDatabase } from './helpers/database.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { insertPurchase } from './helpers/purchases.ts';
import { csrfFrom, signInAs } from './helpers/session.ts';
import { download } from './helpers/attachments.ts';
import { processedRow, rawReply } from './helpers/inbound.ts';
import { fileMatchedRequest, mailText, outcomeMails, postDecision } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import { registerEndpoint, WebhookReceiver } from './helpers/webhook-receiver.ts';

const OLD_KEY = randomBytes(32).toString('hex');
const NEW_KEY = randomBytes(32).toString('hex');
const ROOT = path.resolve(import.meta.dirname, '..');

/** The desk's database, and the settings `desk` commands reach it with. */
async function sharedDatabase(): Promise<{ database: TestDatabase; commandEnv: Record<string, string> }> {
  const database = await freshDatabase();
  return { database, commandEnv: { DATABASE_URL: database.url } };
}

/** Runs `desk …` as the operator would, beside the running desk (not spawnSync: this process serves its database). */
async function deskCommand(env: Record<string, string>, ...args: string[]) {
  const child = spawn(process.execPath, ['bin/desk.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number];
  return { status, stdout, stderr };
}

/** `table: N` lines of `desk keys rotate`. */
function reportedCounts(stdout: string): Record<string, number> {
  return Object.fromEntries([...stdout.matchAll(/^\s+(\w+): (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** A value in the format written before key ids: `v1.<nonce>.<tag>.<ciphertext>`, made here by hand. */
function v1Ciphertext(secretKey: string, plain: string, tagBytes = 16): string {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'recovery-desk', 'activation-codes', 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag().subarray(0, tagBytes);
  return ['v1', nonce, tag, data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** The tag is the part before the ciphertext, in either format. */
function withTagCutTo(stored: string, bytes: number): string {
  const parts = stored.split('.');
  const tagAt = parts.length - 2;
  parts[tagAt] = Buffer.from(parts[tagAt]!, 'base64url').subarray(0, bytes).toString('base64url');
  return parts.join('.');
}

describe('AES-GCM at rest (README "Security", keys)', () => {
  it('finding 7: when a ciphertext has its tag cut to 4 bytes, then it is refused, in either format', () => {
    const cipher = createCodeCipher(NEW_KEY);
    const code = 'ABCDE-FGHJK-MNPQR-STUVW';
    assert.equal(cipher.decrypt(cipher.encrypt(code)), code);
    assert.throws(() => cipher.decrypt(withTagCutTo(cipher.encrypt(code), 4)));
    assert.throws(() => cipher.decrypt(withTagCutTo(v1Ciphertext(NEW_KEY, code), 4)));
    assert.throws(() => cipher.decrypt(v1Ciphertext(NEW_KEY, code, 4)), 'a short tag made as such');
  });

  it('finding 7: when a value was written before key ids (v1), then the current key or a previous one still opens it', () => {
    const code = 'ABCDE-FGHJK-MNPQR-STUVW';
    const cipher = createCodeCipher(NEW_KEY, [OLD_KEY]);
    assert.equal(cipher.decrypt(v1Ciphertext(NEW_KEY, code)), code);
    assert.equal(cipher.decrypt(v1Ciphertext(OLD_KEY, code)), code);
    assert.throws(() => createCodeCipher(NEW_KEY).decrypt(v1Ciphertext(OLD_KEY, code)));
  });

  it('finding 6: when a value is encrypted, then it names its key by a short id that is not the key, and a key that is not configured does not open it', () => {
    const stored = createCodeCipher(NEW_KEY).encrypt('ABCDE-FGHJK-MNPQR-STUVW');
    const [version, kid] = stored.split('.');
    assert.equal(version, 'v2');
    assert.match(kid!, /^[A-Za-z0-9_-]{8}$/);
    assert.ok(!NEW_KEY.includes(kid!) && !Buffer.from(NEW_KEY).toString('base64url').includes(kid!));
    assert.equal(createCodeCipher(OLD_KEY, [NEW_KEY]).decrypt(stored), 'ABCDE-FGHJK-MNPQR-STUVW');
    assert.throws(() => createCodeCipher(OLD_KEY).decrypt(stored), /key id/);
  });
});

describe('a key change (README "Security", keys)', () => {
  let shared: Awaited<ReturnType<typeof sharedDatabase>>;
  let desk: TestDesk;
  let technician: TestUser;
  let receiver: WebhookReceiver;
  // The desk as it runs after SECRET_KEY changed, with the old key kept in SECRET_KEY_PREVIOUS.
  const afterChange = { SECRET_KEY: NEW_KEY, SECRET_KEY_PREVIOUS: OLD_KEY };
  const deskEnv = { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', WEBHOOK_ALLOW_HOSTS: '127.0.0.1' };
  before(async () => {
    shared = await sharedDatabase();
    receiver = await WebhookReceiver.start();
    desk = await startDesk({ database: shared.database, env: { ...afterChange, ...deskEnv } });
    technician = await createUserWithToken(desk.base.db, 'technician');
  });
  after(async () => {
    await desk.stop();
    await receiver.stop();
    await shared.database.drop();
  });

  /** Rows whose values the new key alone cannot open: what rotation has to change. */
  async function underOtherKeys(): Promise<Record<string, number>> {
    const cipher = createCodeCipher(NEW_KEY);
    const opens = (value: string | null) => {
      if (value === null) return true;
      try {
        cipher.decrypt(value);
        return true;
      } catch {
        return false;
      }
    };
    const db = desk.base.db;
    const count = (rows: { values: (string | null)[] }[]) =>
      rows.filter((r) => !r.values.every(opens)).length;
    return {
      purchases: count(await db.query('SELECT ARRAY[activation_code_enc] AS values FROM purchases')),
      activation_code_history: count(
        await db.query('SELECT ARRAY[code_enc] AS values FROM activation_code_history'),
      ),
      emails: count(
        await db.query(
          'SELECT ARRAY[secret_facts_enc, secret_html_enc, secret_text_enc] AS values FROM emails',
        ),
      ),
      webhook_endpoints: count(await db.query('SELECT ARRAY[secret_enc] AS values FROM webhook_endpoints')),
      attachment_chunks: (
        await db.query<{ n: number }>('SELECT count(*)::int AS n FROM attachment_chunks WHERE key_id <> $1', [
          keyId(NEW_KEY),
        ])
      )[0]!.n,
      inbound_messages: (
        await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM inbound_messages WHERE raw_key_id <> $1',
          [keyId(NEW_KEY)],
        )
      )[0]!.n,
    };
  }

  /** An uploaded file of the request, stored under the old key, three chunks long; its bytes. */
  async function fileStoredUnderOldKey(requestId: number): Promise<Buffer> {
    const content = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(600_000)]);
    const tempPath = path.join(desk.dataDir, `old-${randomBytes(4).toString('hex')}.part`);
    writeFileSync(tempPath, content);
    await desk.base.db.transaction((tx) =>
      storeAttachment(tx, createFileCipher(OLD_KEY), requestId, {
        originalName: 'old.pdf',
        tempPath,
        size: content.length,
        sha256: 'x',
        contentType: 'application/pdf',
        extension: 'pdf',
      }),
    );
    return content;
  }

  /**
   * A customer's email received before the key change, stored as the listener stores it (sealed
   * under the old key) and processed by the desk; its raw bytes.
   */
  async function inboundStoredUnderOldKey(): Promise<{ id: number; raw: Buffer }> {
    const { raw } = rawReply();
    const { id } = await storeInbound(desk.base.db, { secretKey: OLD_KEY, secretKeyPrevious: [] }, raw, {
      via: 'smtp',
      from: 'ada@customer.example',
      to: ['reply+abc@replies.desk.test'],
    });
    desk.web.relay.wake();
    await processedRow(desk, id);
    return { id, raw };
  }

  /** An email with a status link, its secret facts encrypted under the old key, waiting to be sent. */
  async function emailQueuedUnderOldKey(to: string): Promise<{ id: number; token: string }> {
    const token = randomBytes(16).toString('hex');
    const id = await desk.base.db.transaction((tx) =>
      queueEmail(
        tx,
        { secretKey: OLD_KEY, inbound: { domain: undefined } },
        {
          requestId: null,
          template: 'request-received',
          locale: 'en',
          to,
          facts: { name: 'Quentin Kumar', reference: 'RD-0000OLD0' },
          secrets: { statusUrl: statusLinkSecret(`http://desk.test/requests/RD-0000OLD0?token=${token}`) },
        },
      ),
    );
    // Written beside the desk, as a `desk` command would: it says so, and the relay listening moves it.
    await notifyOutboxRows(desk.base.db);
    return { id, token };
  }

  /** A webhook endpoint registered before the key change: its signing secret under the old key. */
  async function webhookSecretUnderOldKey(): Promise<{ id: number; secret: string }> {
    const admin = await createUserWithToken(desk.base.db, 'admin');
    const { id, secret } = await registerEndpoint(desk.app, admin.token, receiver.url);
    await desk.base.db.query('UPDATE webhook_endpoints SET secret_enc = $2 WHERE id = $1', [
      id,
      createCodeCipher(OLD_KEY).encrypt(secret),
    ]);
    return { id, secret };
  }

  it('finding 6: when SECRET_KEY changes with the old key in SECRET_KEY_PREVIOUS, then a reissue of a code stored under the old key works and emails queued under it are sent', async () => {
    const p = await insertPurchase(desk.base.db, OLD_KEY);
    const ticket = await fileMatchedRequest(desk, p);
    await postDecision(desk, technician.token, ticket.reference, { type: 'reissue', mode: 'resend' }).expect(
      200,
    );
    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 1);
    assert.ok(mailText(mails[0]!).includes(p.activation_code), 'the code as stored under the old key');

    const to = `waiting.${randomBytes(4).toString('hex')}@example.com`;
    const queued = await emailQueuedUnderOldKey(to);
    await waitFor(
      async () => {
        const [row] = await desk.base.db.query<{ status: string }>(
          'SELECT status FROM emails WHERE id = $1',
          [queued.id],
        );
        return row?.status === 'sent';
      },
      15_000,
      'the email queued under the old key to be sent',
    );
    const arrived = desk.smtp.received.find((m) => m.to.includes(to));
    assert.ok(arrived && mailText(arrived).includes(queued.token), 'sent with its status link');
  });

  it('finding 6: when SECRET_KEY changes with the old key in SECRET_KEY_PREVIOUS, then a console session signed under the old key stays signed in', async () => {
    const user = await createUserWithToken(desk.base.db, 'technician');
    const agent = request.agent(desk.app);
    const form = await agent.get('/desk/sign-in').expect(200);
    const signedIn = await agent
      .post('/desk/sign-in')
      .type('form')
      .send({ email: user.user.email, password: user.password, _csrf: csrfFrom(form.text) })
      .expect(303);
    const setCookie = [signedIn.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('rd.sid='));
    const sid = /^rd\.sid=s%3A([^.;]+)\./.exec(setCookie ?? '')?.[1];
    assert.ok(sid, `a signed session cookie in ${setCookie}`);
    await request(desk.app).get('/desk').set('Cookie', setCookie!.split(';')[0]!).expect(200);
    // express-session's signature (cookie-signature) under the cookie key the old SECRET_KEY gave.
    const oldCookieKey = createHmac('sha256', OLD_KEY)
      .update('recovery-desk session cookie')
      .digest('base64url');
    const id = decodeURIComponent(sid);
    const signature = createHmac('sha256', oldCookieKey).update(id).digest('base64').replace(/=+$/, '');
    const signedUnderOld = `rd.sid=${encodeURIComponent(`s:${id}.${signature}`)}`;
    await request(desk.app).get('/desk').set('Cookie', signedUnderOld).expect(200);
    const forged = `rd.sid=${encodeURIComponent(`s:${id}.${signature.slice(0, -2)}AA`)}`;
    const refused = await request(desk.app).get('/desk').set('Cookie', forged);
    assert.notEqual(refused.status, 200, 'a bad signature is still refused');
  });

  it('finding 6: when `desk keys rotate` runs, then it re-encrypts every row under the old key (webhook secrets and received emails too), reports the counts, a second run reports 0, and the old key can then be removed', async () => {
    const p = await insertPurchase(desk.base.db, OLD_KEY);
    const ticket = await fileMatchedRequest(desk, p);
    // A replaced code keeps the old ciphertext in the code history.
    await postDecision(desk, technician.token, ticket.reference, { type: 'reissue', mode: 'replace' }).expect(
      200,
    );
    const kept = await insertPurchase(desk.base.db, OLD_KEY);
    await desk.base.db.query('UPDATE purchases SET activation_code_enc = $2 WHERE id = $1', [
      kept.id,
      v1Ciphertext(OLD_KEY, kept.activation_code),
    ]);
    await emailQueuedUnderOldKey(`rotate.${randomBytes(4).toString('hex')}@example.com`);
    const upload = await fileStoredUnderOldKey(ticket.id);
    const webhook = await webhookSecretUnderOldKey();
    const inbound = await inboundStoredUnderOldKey();
    const before = await underOtherKeys();
    assert.ok(before.purchases! >= 1 && before.activation_code_history! >= 1 && before.emails! >= 1);
    assert.equal(before.attachment_chunks, 3);
    assert.equal(before.webhook_endpoints, 1);
    assert.equal(before.inbound_messages, 1);

    const first = await deskCommand({ ...shared.commandEnv, ...afterChange }, 'keys', 'rotate');
    assert.equal(first.status, 0, first.stderr);
    const reported = reportedCounts(first.stdout);
    assert.deepEqual(
      {
        purchases: reported.purchases,
        activation_code_history: reported.activation_code_history,
        emails: reported.emails,
        webhook_endpoints: reported.webhook_endpoints,
        attachment_chunks: reported.attachment_chunks,
        inbound_messages: reported.inbound_messages,
      },
      before,
    );
    assert.deepEqual(await underOtherKeys(), {
      purchases: 0,
      activation_code_history: 0,
      emails: 0,
      webhook_endpoints: 0,
      attachment_chunks: 0,
      inbound_messages: 0,
    });
    const [endpoint] = await desk.base.db.query<{ secret_enc: string }>(
      'SELECT secret_enc FROM webhook_endpoints WHERE id = $1',
      [webhook.id],
    );
    assert.equal(createCodeCipher(NEW_KEY).decrypt(endpoint!.secret_enc), webhook.secret, 'the same secret');
    const [stored] = await desk.base.db.query<{ enc: string; hmac: string }>(
      'SELECT activation_code_enc AS enc, activation_code_hmac AS hmac FROM purchases WHERE id = $1',
      [kept.id],
    );
    assert.equal(createCodeCipher(NEW_KEY).decrypt(stored!.enc), kept.activation_code, 'a v1 value upgraded');
    assert.equal(
      stored!.hmac,
      createCodeFingerprint(NEW_KEY)(kept.activation_code),
      'its fingerprint under the new key',
    );
    const [audit] = await desk.base.db.query<{ actor: string; data: { rows: Record<string, number> } }>(
      `SELECT actor, data FROM audit_events WHERE action = 'keys_rotated' ORDER BY id DESC LIMIT 1`,
    );
    assert.equal(audit?.actor, 'cli');
    assert.deepEqual(audit.data.rows, before);

    const second = await deskCommand({ ...shared.commandEnv, ...afterChange }, 'keys', 'rotate');
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /total: 0$/m);

    // Without SECRET_KEY_PREVIOUS now: a desk on the new key alone resends the rotated code.
    const onlyNew = await startDesk({
      database: shared.database,
      redis: desk.redis,
      smtp: desk.smtp,
      env: { SECRET_KEY: NEW_KEY, ...deskEnv },
    });
    try {
      const again = await fileMatchedRequest(onlyNew, kept);
      // Its request.filed delivery is signed with the rotated secret, which the receiver still holds.
      await waitFor(
        () => receiver.received.some((r) => r.reference === again.reference),
        15_000,
        'the webhook delivery of the request filed after the rotation',
      );
      const delivery = receiver.received.find((r) => r.reference === again.reference)!;
      assert.ok(
        verifySignature(webhook.secret, delivery.body, delivery.signature, Math.floor(Date.now() / 1000)),
        'signed with the same secret',
      );
      await postDecision(onlyNew, technician.token, again.reference, {
        type: 'reissue',
        mode: 'resend',
      }).expect(200);
      const mails = await outcomeMails(onlyNew, again.id, again.reference);
      assert.ok(mails.some((m) => mailText(m).includes(kept.activation_code)));
      // The uploaded file, re-sealed under the new key, opens with it alone.
      const [stored] = await onlyNew.base.db.query<{ id: number }>(
        `SELECT id FROM attachments WHERE request_id = $1 AND original_name = 'old.pdf'`,
        [ticket.id],
      );
      const viewer = await signInAs(onlyNew.app, onlyNew.base.db, 'technician');
      const res = await download(viewer.agent, ticket.reference, stored!.id).expect(200);
      assert.ok((res.body as Buffer).equals(upload));
      // So does the customer's email received before the change, as it was received.
      const opened = await readInboundRaw(onlyNew.base.db, onlyNew.base.config, inbound.id);
      assert.ok(opened?.equals(inbound.raw), 'the raw message, re-sealed under the new key');
    } finally {
      await onlyNew.stop();
    }
  });

  it('finding 6: when codes are still stored under a previous key, then `desk import` refuses until `desk keys rotate` has run', async () => {
    // Their fingerprints are under that key too: the import could not tell a code the desk replaced.
    await insertPurchase(desk.base.db, OLD_KEY);
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-import-'));
    try {
      const file = path.join(dir, 'purchases.csv');
      writeFileSync(file, '');
      const refused = await deskCommand(
        { ...shared.commandEnv, ...afterChange },
        'import',
        'purchases',
        file,
      );
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /desk keys rotate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finding 6: when `desk help` runs, then it lists `keys rotate`', async () => {
    const help = await deskCommand({}, 'help');
    assert.match(help.stdout, /keys rotate/);
  });
});

describe('the start-up key check (README "Security", keys)', () => {
  it('issue 14: when no configured key opens the stored uploads, then the desk stops at start naming SECRET_KEY; with the old key in SECRET_KEY_PREVIOUS it starts', async () => {
    const database = await freshDatabase();
    const logger = createLogger('silent');
    const underOld = await startDesk({ database, env: { SECRET_KEY: OLD_KEY } });
    try {
      const ticket = await fileMatchedRequest(underOld, null);
      const tempPath = path.join(underOld.dataDir, 'receipt.part');
      writeFileSync(tempPath, '%PDF-1.4\n');
      await underOld.base.db.transaction((tx) =>
        storeAttachment(tx, createFileCipher(OLD_KEY), ticket.id, {
          originalName: 'receipt.pdf',
          tempPath,
          size: 9,
          sha256: 'x',
          contentType: 'application/pdf',
          extension: 'pdf',
        }),
      );
      const settings = { NODE_ENV: 'test', DATA_DIR: underOld.dataDir, DATABASE_URL: database.url ?? '' };
      await assert.rejects(
        openDatabase(loadConfig({ ...settings, SECRET_KEY: NEW_KEY }), logger),
        /SECRET_KEY does not open the uploaded files.*key id/s,
      );
      const withPrevious = await openDatabase(
        loadConfig({ ...settings, SECRET_KEY: NEW_KEY, SECRET_KEY_PREVIOUS: OLD_KEY }),
        logger,
      );
      await withPrevious.close();
    } finally {
      await underOld.stop();
      await database.drop();
    }
  });

  it('when no configured key opens the first or the last stored received email, then the desk stops at start naming SECRET_KEY; with both keys it starts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-keycheck-'));
    const server = await freshDatabase();
    const settings = { NODE_ENV: 'test', DATA_DIR: dir, DATABASE_URL: server.url, LOG_LEVEL: 'silent' };
    const logger = createLogger('silent');
    const envelope: InboundEnvelope = { via: 'smtp', from: 'ada@customer.example', to: [] };
    try {
      // A reply received before the key change, and one after it, before `desk keys rotate`.
      const before = loadConfig({ ...settings, SECRET_KEY: OLD_KEY });
      const db = await openDatabase(before, logger);
      await storeInbound(db, before, rawReply().raw, envelope);
      await db.close();
      const both = loadConfig({ ...settings, SECRET_KEY: NEW_KEY, SECRET_KEY_PREVIOUS: OLD_KEY });
      const changed = await openDatabase(both, logger);
      await storeInbound(changed, both, rawReply().raw, envelope);
      await changed.close();

      // The old key removed too soon: the first message does not open.
      await assert.rejects(
        openDatabase(loadConfig({ ...settings, SECRET_KEY: NEW_KEY }), logger),
        /SECRET_KEY does not open the received email messages.*key id/s,
      );
      // The new key missing: the last one does not open.
      await assert.rejects(
        openDatabase(before, logger),
        /SECRET_KEY does not open the received email messages.*key id/s,
      );
      await (await openDatabase(both, logger)).close();
    } finally {
      await server.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finding 6: when no configured key opens the stored codes, then the desk stops at start naming SECRET_KEY; with the old key in SECRET_KEY_PREVIOUS it starts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-keycheck-'));
    const server = await freshDatabase();
    const settings = {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      DATABASE_URL: server.url,
      LOG_LEVEL: 'silent',
    };
    const logger = createLogger('silent');
    try {
      // An empty database passes whatever the key.
      const db = await openDatabase(loadConfig({ ...settings, SECRET_KEY: OLD_KEY }), logger);
      await insertPurchase(db, OLD_KEY);
      await db.close();

      const wrong = loadConfig({ ...settings, SECRET_KEY: NEW_KEY });
      await assert.rejects(
        openDatabase(wrong, logger),
        /SECRET_KEY does not open the activation codes.*key id/s,
      );

      // A real process: `npm start`'s entry point stops, saying so.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          ...settings,
          LOG_LEVEL: 'info',
          PORT: '0',
          REDIS_URL: 'redis://127.0.0.1:1', // never reached: the database check comes first
          SECRET_KEY: NEW_KEY,
        },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [status] = (await once(child, 'exit')) as [number];
      assert.equal(status, 1, output);
      assert.match(output, /SECRET_KEY does not open the activation codes/);
      assert.match(output, /SECRET_KEY_PREVIOUS/);

      const withPrevious = await openDatabase(
        loadConfig({ ...settings, SECRET_KEY: NEW_KEY, SECRET_KEY_PREVIOUS: OLD_KEY }),
        logger,
      );
      await withPrevious.close();
    } finally {
      await server.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
