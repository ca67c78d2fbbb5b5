import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { measureUploadMemory } from '../bench/upload-memory.ts';
import { storedAttachments } from './helpers/attachments.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { serverUrl } from './helpers/database.ts';
import { fileMatchedRequest, postDecision, purchase, ticketRow } from './helpers/tickets.ts';
import { createUserWithToken } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

// Issue 11, finding 4: each multipart upload was held in memory (5 MB) before any check, and
// refused requests did not count against the intake limit. Now a file streams to a temporary file
// under DATA_DIR/uploads/tmp, is checked there, stored in the database (issue 14: encrypted
// chunks, test/requests.attachment-storage.test.ts), and no temporary file outlives its request;
// every attempt from an address costs it a point.

const PDF = Buffer.from(
  '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n',
  'latin1',
);

let desk: TestDesk;
let server: Server;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  server = desk.app.listen(0);
  await once(server, 'listening');
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await desk.stop();
});

const tempDir = () => path.join(desk.dataDir, 'uploads', 'tmp');
const tempFiles = () => (existsSync(tempDir()) ? readdirSync(tempDir()) : []);

/** A fresh client address for each test, so each counts its own intake points. */
const address = () => `198.51.100.${1 + (randomBytes(1)[0]! % 250)}`;

function postForm(
  fields: Record<string, unknown>,
  files: { buffer: Buffer; name: string }[] = [],
  from = address(),
) {
  let req = request(desk.app).post('/recover').set('X-Forwarded-For', from);
  for (const [key, value] of Object.entries(fields)) req = req.field(key, String(value));
  for (const file of files) req = req.attach('attachment', file.buffer, file.name);
  return req;
}

describe('finding 4: uploads stream to disk and leave nothing behind', () => {
  it('finding 4: when a PDF is uploaded, then it is stored in the database with its hash, nothing is written under DATA_DIR but the temporary file, and that is gone', async () => {
    const body = validRequest();
    await postForm(body, [{ buffer: PDF, name: 'receipt.pdf' }]).expect(303);
    const [request] = await desk.base.db.query<{ id: number }>(
      'SELECT id FROM recovery_requests WHERE email = $1',
      [body.email],
    );
    const [row] = await storedAttachments(desk.base.db, request!.id);
    assert.equal(row!.storage_path, null, 'in attachment_chunks, not on disk');
    assert.equal(row!.chunks, 1);
    assert.equal(row!.sha256, createHash('sha256').update(PDF).digest('hex'));
    assert.equal(Number(row!.size_bytes), PDF.length);
    assert.deepEqual(tempFiles(), []);
    assert.deepEqual(readdirSync(path.join(desk.dataDir, 'uploads')), ['tmp']);
  });

  it('finding 4: when an upload is refused (not a PDF, over 5 MB, two files, a broken body), then no temporary file remains and nothing is stored', async () => {
    // Each checked as soon as its answer arrives: the temporary file is gone before the answer.
    const body = validRequest();
    await postForm(body, [{ buffer: Buffer.from('MZ not a pdf'), name: 'a.pdf' }]).expect(422);
    assert.deepEqual(tempFiles(), []);
    const big = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await postForm(body, [{ buffer: big, name: 'big.pdf' }]).expect(422);
    assert.match(tooBig.text, /The file is larger than 5 MB/);
    assert.deepEqual(tempFiles(), []);
    const two = [
      { buffer: PDF, name: 'a.pdf' },
      { buffer: PDF, name: 'b.pdf' },
    ];
    await postForm(body, two).expect(400);
    assert.deepEqual(tempFiles(), []);
    await postForm(validRequest({ email: 'not-an-address' }), [{ buffer: PDF, name: 'ok.pdf' }]).expect(422);
    assert.deepEqual(tempFiles(), []);
    await request(desk.app)
      .post('/recover')
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send(
        '--xyz\r\nContent-Disposition: form-data; name="attachment"; filename="a.pdf"\r\n\r\n%PDF-1.4 cut short',
      )
      .expect(400);
    const rows = await desk.base.db.query('SELECT 1 FROM recovery_requests WHERE email = $1', [body.email]);
    assert.equal(rows.length, 0);
    assert.deepEqual(tempFiles(), []);
  });

  it('finding 4: when a client goes away in the middle of an upload, then the file was being written to disk (0600), and is removed', async () => {
    const boundary = 'rdabort';
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /recover HTTP/1.1\r\nHost: desk.test\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
        `Content-Length: ${4 * 1024 * 1024}\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="r.pdf"\r\n` +
        'Content-Type: application/pdf\r\n\r\n',
    );
    socket.write(Buffer.concat([PDF, Buffer.alloc(1024 * 1024)]));
    try {
      // Streamed, not held: the temporary file is on disk while the body is still arriving.
      await waitFor(
        () => tempFiles().some((f) => statSync(path.join(tempDir(), f)).size > 512 * 1024),
        10_000,
        'the upload to reach its temporary file',
      );
      const [part] = tempFiles();
      assert.equal(statSync(path.join(tempDir(), part!)).mode & 0o777, 0o600);
    } finally {
      socket.destroy();
    }
    await waitFor(() => tempFiles().length === 0, 10_000, 'the temporary file to be removed');
  });

  it('finding 4: when a customer reply carries a PDF, then it goes the same way: stored in the database, nothing left in tmp', async () => {
    const tech = await createUserWithToken(desk.base.db, 'technician');
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await postDecision(desk, tech.token, ticket.reference, {
      type: 'request_info',
      message: 'A receipt?',
    }).expect(200);
    await request(desk.app)
      .post(`/requests/${ticket.reference}/reply`)
      .query({ token: ticket.token })
      .field('message', 'Here it is.')
      .attach('attachment', PDF, 'receipt.pdf')
      .expect(303);
    const [row] = await storedAttachments(desk.base.db, ticket.id);
    assert.equal(row!.storage_path, null);
    assert.equal(row!.chunks, 1);
    assert.equal(row!.sha256, createHash('sha256').update(PDF).digest('hex'));
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
    assert.deepEqual(tempFiles(), []);
  });
});

describe('finding 4: refused requests count against the intake limit', () => {
  it('finding 4: when one address sends refused requests up to its hourly limit, then its next request is 429 and nothing is stored; IPv6 counted by /64', async () => {
    const limited = await startDesk({
      env: { INTAKE_LIMIT_PER_IP: '3', INTAKE_LIMIT_PER_EMAIL: '0' },
      redis: desk.redis,
      smtp: desk.smtp,
      database: desk.database,
      workers: false,
    });
    try {
      const from = '203.0.113.77';
      const post = (fields: Record<string, unknown>, file?: Buffer) => {
        let req = request(limited.app).post('/recover').set('X-Forwarded-For', from);
        for (const [key, value] of Object.entries(fields)) req = req.field(key, String(value));
        return file ? req.attach('attachment', file, 'receipt.pdf') : req;
      };
      await post(validRequest(), Buffer.from('MZ not a pdf')).expect(422);
      await post(validRequest({ email: 'not-an-address' })).expect(422);
      await request(limited.app)
        .post('/api/v1/recovery-requests')
        .set('X-Forwarded-For', from)
        .send({ email: 'x' })
        .expect(422);
      const body = validRequest();
      const refused = await post(body, PDF).expect(429);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      const rows = await limited.base.db.query('SELECT 1 FROM recovery_requests WHERE email = $1', [
        body.email,
      ]);
      assert.equal(rows.length, 0);
      // Another address is not held back by this one.
      await request(limited.app)
        .post('/api/v1/recovery-requests')
        .set('X-Forwarded-For', '203.0.113.78')
        .send(validRequest())
        .expect(201);
      // IPv6 clients are counted by /64: a fresh address in the same /64 is the same client.
      for (const host of ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2::c'])
        await request(limited.app)
          .post('/api/v1/recovery-requests')
          .set('X-Forwarded-For', host)
          .send({})
          .expect(422);
      await request(limited.app)
        .post('/api/v1/recovery-requests')
        .set('X-Forwarded-For', '2001:db8:1:2:ffff::1')
        .send(validRequest())
        .expect(429);
    } finally {
      await limited.stop();
    }
  });
});

const adminUrl = await serverUrl();

describe('finding 4: the memory bound', () => {
  it(
    'finding 4: when 40 clients upload 5 MB each at once, then the web process grows by at most 50 MB',
    {
      timeout: 300_000,
    },
    async () => {
      const result = await measureUploadMemory({ adminUrl });
      process.stdout.write(`# upload memory: ${JSON.stringify(result)}\n`);
      assert.deepEqual(result.statuses, { 303: 40 });
      assert.ok(result.peakGrowthMb <= 50, `RSS grew by ${result.peakGrowthMb} MB (at most 50)`);
    },
  );
});
