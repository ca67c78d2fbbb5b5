import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { STATUS_TOKEN_LIMITS } from '../src/limits/status-token-limits.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { waitFor } from './helpers/wait.ts';

// Header injection through names and addresses, attachment names and types, oversized and
// truncated uploads, SQL metacharacters, and guessing status tokens. Cross-site scripting is
// test/security.xss.test.ts's; session fixation and sign-in guessing are test/auth.session.test.ts's.

let desk: TestDesk;
let tried = 0;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
});
after(async () => {
  process.stdout.write(`# abuse.mail-uploads-tokens: ${tried} generated inputs tried\n`);
  await desk.stop();
});

const count = async (table: string) =>
  (await desk.base.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

/** Uploaded files kept: attachments with content in the database, and anything left under DATA_DIR/uploads. */
const uploadedFiles = async () => {
  let onDisk = 0;
  try {
    onDisk = readdirSync(path.join(desk.dataDir, 'uploads'), { recursive: true, withFileTypes: true }).filter(
      (f) => f.isFile(),
    ).length;
  } catch {
    // no uploads folder yet
  }
  const [row] = await desk.base.db.query<{ n: number }>(
    'SELECT count(DISTINCT attachment_id)::int AS n FROM attachment_chunks',
  );
  return row!.n + onDisk;
};

const BREAKS = ['\r\n', '\n', '\r', '\r\n\t', '\u2028', '\u0085', '%0d%0a', '\\r\\n'];
const INJECTED = [
  'Bcc: evil@attacker.test',
  'Cc: evil@attacker.test',
  'To: evil@attacker.test',
  'Subject: pwned',
  'Content-Type: text/html',
  '',
];

/** The header block of a raw message, folded lines joined. */
function headers(raw: string): string[] {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

describe('header injection', { timeout: 120_000 }, () => {
  it('when a name or an address carries line breaks and headers, then the address is refused, and no email gains a recipient or a header', async () => {
    const references: { reference: string; email: string }[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 10 }),
        fc.constantFrom(...BREAKS),
        fc.constantFrom(...INJECTED),
        fc.constantFrom('name', 'email', 'store'),
        async (prefix, lineBreak, header, field) => {
          tried++;
          const base = validRequest();
          const value =
            field === 'email'
              ? `${String(base.email)}${lineBreak}${header}`
              : `${prefix || 'Ann'}${lineBreak}${header}`;
          const before = await count('recovery_requests');
          const res = await request(desk.app)
            .post('/api/v1/recovery-requests')
            .send({ ...base, [field]: value });
          assert.ok([201, 422].includes(res.status), `status ${res.status}`);
          if (res.status === 201) {
            const [row] = await desk.base.db.query<{ email: string }>(
              'SELECT email FROM recovery_requests WHERE reference = $1',
              [res.body.reference],
            );
            // A break at the very end is trimmed away; anywhere else the address is refused.
            assert.doesNotMatch(row!.email, /[\r\n]/, 'no line break in a stored address');
            references.push({ reference: res.body.reference as string, email: String(base.email) });
          } else assert.equal(await count('recovery_requests'), before);
        },
      ),
      { numRuns: 150 },
    );
    assert.ok(references.length > 0, 'some names with Unicode line breaks were accepted');
    await waitFor(
      () => references.every((r) => desk.smtp.withSubject(r.reference).length === 1),
      60_000,
      'their acknowledgements',
    );
    for (const mail of desk.smtp.received) {
      assert.equal(mail.to.length, 1, 'one envelope recipient');
      assert.doesNotMatch(mail.to[0]!, /attacker/);
      const lines = headers(mail.raw);
      assert.equal(lines.filter((l) => /^to:/i.test(l)).length, 1, 'one To header');
      assert.equal(lines.filter((l) => /^subject:/i.test(l)).length, 1, 'one Subject header');
      assert.deepEqual(
        lines.filter((l) => /^(bcc|cc):/i.test(l) || /attacker|pwned/i.test(l)),
        [],
        'no injected header',
      );
    }
  });
});

describe('uploads', { timeout: 120_000 }, () => {
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const PNG = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b3c6690000000049454e44ae426082',
    'hex',
  );
  const NOT_ALLOWED = [
    Buffer.from('<html><script>alert(1)</script></html>'),
    Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00'),
    Buffer.from('#!/bin/sh\nrm -rf /\n'),
    Buffer.from('GIF89a\x01\x00\x01\x00'),
    Buffer.alloc(0),
  ];
  const trickyName = fc.oneof(
    fc.constantFrom(
      '../../../../etc/passwd',
      '..\\..\\windows\\system32\\drivers\\etc\\hosts',
      '/etc/shadow',
      'proof.pdf\u0000.exe',
      'proof.pdf%00.html',
      '....//....//x.pdf',
      'CON',
      '.htaccess',
      '<img src=x onerror=alert(1)>.pdf',
      'a'.repeat(500) + '.pdf',
      '\u202egpj.exe',
    ),
    fc.string({ maxLength: 60 }).filter((s) => !/["\r\n]/.test(s)),
  );
  const claimedType = fc.constantFrom(
    'application/pdf',
    'image/png',
    'text/html',
    'application/x-msdownload',
    'image/svg+xml',
    'application/octet-stream',
  );

  it('when attachment names carry path tricks and the type claimed is wrong, then only real PDF/PNG/JPEG content is kept, under a name of the desk’s own', async () => {
    await fc.assert(
      fc.asyncProperty(
        trickyName,
        claimedType,
        fc.oneof(fc.constant(PDF), fc.constant(PNG), fc.constantFrom(...NOT_ALLOWED)),
        async (name, type, content) => {
          tried++;
          const before = {
            requests: await count('recovery_requests'),
            attachments: await count('attachments'),
            files: await uploadedFiles(),
          };
          const fields = validRequest();
          let req = request(desk.app).post('/recover').set('X-Forwarded-For', '198.51.100.7');
          for (const [k, v] of Object.entries(fields)) req = req.field(k, String(v));
          const res = await req.attach('attachment', content, { filename: name || 'x', contentType: type });
          assert.ok(res.status < 500, `status ${res.status}`);
          const allowed = content === PDF || content === PNG;
          assert.ok([303, 400, 422].includes(res.status), `status ${res.status} for ${JSON.stringify(name)}`);
          if (res.status === 303) {
            const rows = await desk.base.db.query<{
              original_name: string;
              content_type: string;
              storage_path: string | null;
            }>(
              'SELECT original_name, content_type, storage_path FROM attachments ORDER BY id DESC LIMIT 1 OFFSET 0',
            );
            const added = (await count('attachments')) - before.attachments;
            // A part whose file name the parser reads as empty is no file at all: the request goes in without it.
            assert.equal(
              await uploadedFiles(),
              before.files + added,
              'one file per attachment row, no orphans',
            );
            if (!allowed) assert.equal(added, 0, 'content of another type is never kept');
            if (added === 1) {
              const row = rows[0]!;
              assert.ok(
                ['application/pdf', 'image/png'].includes(row.content_type),
                'type read from the content',
              );
              assert.doesNotMatch(row.original_name, /[\\/\u0000-\u001f]/, 'no path in the kept name');
              assert.equal(row.storage_path, null, 'in the database: no file name at all');
            }
          } else {
            assert.equal(await count('recovery_requests'), before.requests, 'refused: no request');
            assert.equal(await uploadedFiles(), before.files, 'refused: no file left behind');
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('when an upload is over 5 MB, then the form says so and nothing is stored', async () => {
    const before = { requests: await count('recovery_requests'), files: await uploadedFiles() };
    const big = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024 + 1, 0x20)]);
    let req = request(desk.app).post('/recover');
    for (const [k, v] of Object.entries(validRequest())) req = req.field(k, String(v));
    const res = await req.attach('attachment', big, { filename: 'big.pdf', contentType: 'application/pdf' });
    assert.equal(res.status, 422);
    assert.match(res.text, /5 MB/);
    assert.equal(await count('recovery_requests'), before.requests);
    assert.equal(await uploadedFiles(), before.files);
  });

  it('when a multipart body is cut off mid-file or ends early, then the answer is a 4xx (or the connection closes) and nothing is stored', async () => {
    const server = desk.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    try {
      const before = { requests: await count('recovery_requests'), files: await uploadedFiles() };
      const boundary = '----abuse' + Date.now();
      const parts = Object.entries(validRequest())
        .map(
          ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`,
        )
        .join('');
      const head = `${parts}--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="p.pdf"\r\nContent-Type: application/pdf\r\n\r\n${PDF.toString()}`;
      const send = (body: string, declared: number, endEarly: boolean) =>
        new Promise<number>((resolve) => {
          const req = httpRequest(
            {
              port,
              host: '127.0.0.1',
              method: 'POST',
              path: '/recover',
              headers: {
                'Content-Type': `multipart/form-data; boundary=${boundary}`,
                'Content-Length': declared,
              },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', () => resolve(0));
          req.write(body);
          if (endEarly) setTimeout(() => req.destroy(), 300);
          else req.end();
        });
      // The closing boundary never comes (the body is complete as declared, but truncated).
      const truncated = await send(head, Buffer.byteLength(head), false);
      assert.ok(truncated === 400 || truncated === 422, `truncated multipart: ${truncated}`);
      // The client promises more than it sends, then hangs up.
      const hungUp = await send(head, Buffer.byteLength(head) + 10_000, true);
      assert.ok(hungUp === 0 || (hungUp >= 400 && hungUp < 500), `hung up: ${hungUp}`);
      assert.equal(await count('recovery_requests'), before.requests);
      // The hung-up upload's temporary file goes once the server sees the connection close.
      await waitFor(async () => (await uploadedFiles()) === before.files, 5_000, 'no file left behind');
      const ok = await request(desk.app).get('/recover');
      assert.equal(ok.status, 200, 'the desk serves on');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('SQL metacharacters', { timeout: 60_000 }, () => {
  it('when free text carries SQL, then it is stored and shown back exactly as typed', async () => {
    const meta = fc.stringMatching(/^[a-z' ";%_\\$()\-*/=]{1,40}$/).filter((s) => s.trim().length > 0);
    await fc.assert(
      fc.asyncProperty(meta, meta, async (name, details) => {
        tried++;
        const res = await request(desk.app)
          .post('/api/v1/recovery-requests')
          .send(validRequest({ name, store: `${name} store`, details }));
        assert.equal(res.status, 201);
        const [row] = await desk.base.db.query<{ name: string; store: string; details: string }>(
          'SELECT name, store, details FROM recovery_requests WHERE reference = $1',
          [res.body.reference],
        );
        assert.deepEqual(row, { name: name.trim(), store: `${name} store`.trim(), details: details.trim() });
      }),
      { numRuns: 60 },
    );
    assert.ok((await count('recovery_requests')) > 0, 'the table is still there');
  });
});

describe('guessing status tokens', { timeout: 60_000 }, () => {
  it(`when one address tries ${STATUS_TOKEN_LIMITS.perAddress.wrong} wrong tokens, then it is refused (429 with Retry-After), right tokens included, while other addresses and right tokens are not counted`, async () => {
    const filed = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    const { reference, token } = filed.body as { reference: string; token: string };
    const guesser = '192.0.2.66';
    // Right tokens cost nothing.
    for (let i = 0; i < STATUS_TOKEN_LIMITS.perAddress.wrong + 5; i++)
      await request(desk.app)
        .get(`/requests/${reference}`)
        .set('X-Forwarded-For', guesser)
        .query({ token })
        .expect(200);
    for (let i = 0; i < STATUS_TOKEN_LIMITS.perAddress.wrong; i++) {
      const guess =
        i % 2 === 0
          ? request(desk.app)
              .get(`/requests/${reference}`)
              .query({ token: `guess-${i}` })
          : request(desk.app)
              .get(`/api/v1/recovery-requests/${reference}`)
              .set('Authorization', `Bearer guess-${i}`);
      await guess.set('X-Forwarded-For', guesser).expect(404);
    }
    const refused = await request(desk.app)
      .get(`/requests/${reference}`)
      .set('X-Forwarded-For', guesser)
      .query({ token });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const api = await request(desk.app)
      .get(`/api/v1/recovery-requests/${reference}`)
      .set('X-Forwarded-For', guesser)
      .set('Authorization', `Bearer ${token}`);
    assert.equal(api.status, 429);
    const reply = await request(desk.app)
      .post(`/requests/${reference}/reply`)
      .set('X-Forwarded-For', guesser)
      .query({ token: 'x' })
      .type('form')
      .send({ message: 'hi' });
    assert.equal(reply.status, 429);
    await request(desk.app)
      .get(`/requests/${reference}`)
      .set('X-Forwarded-For', '192.0.2.67')
      .query({ token })
      .expect(200);
  });
});
