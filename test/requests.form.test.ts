import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { fileCipherOf, openAttachmentContent } from '../src/requests/attachment-store.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0' } });
});
after(() => desk.stop());

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4f60000000049454e44ae426082',
  'hex',
);

/** Every file under DATA_DIR/uploads, temporary ones included (the empty tmp folder itself aside): none is kept there. */
function uploadedFiles(): string[] {
  const dir = path.join(desk.dataDir, 'uploads');
  const all = existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : [];
  return all.filter((name) => name !== 'tmp').sort();
}

/** Posts the form as a browser does: multipart, every field a string, the file last. */
function postForm(fields: Record<string, unknown>, file?: { buffer: Buffer; name: string; type?: string }) {
  let req = request(desk.app).post('/recover').set('Accept-Language', 'en');
  for (const [key, value] of Object.entries(fields)) req = req.field(key, String(value));
  if (file)
    req = req.attach('attachment', file.buffer, {
      filename: file.name,
      contentType: file.type ?? 'application/octet-stream',
    });
  return req;
}

describe('the public form', () => {
  it('when opened, then every input has a label tied to it, in the language asked for', async () => {
    const en = await request(desk.app).get('/recover').set('Accept-Language', 'en').expect(200);
    for (const field of [
      'email',
      'name',
      'license_number',
      'license_key',
      'order_number',
      'store',
      'country',
      'purchased_on',
      'details',
      'attachment',
    ]) {
      assert.match(en.text, new RegExp(`<label for="f-${field}"`), `label for ${field}`);
      assert.match(en.text, new RegExp(`id="f-${field}"`), `input for ${field}`);
    }
    assert.match(en.text, /<html lang="en">/);
    const de = await request(desk.app).get('/recover').set('Accept-Language', 'de').expect(200);
    assert.match(de.text, /Verlorenen Aktivierungscode wiederherstellen/);
    const ru = await request(desk.app).get('/recover?lang=ru').expect(200);
    assert.match(ru.text, /Восстановление утерянного кода активации/);
  });

  it('when a valid form is posted, then 303 to the status page, which shows the request', async () => {
    const body = validRequest();
    const res = await postForm(body).expect(303);
    assert.match(String(res.headers.location), /^\/requests\/RD-[0-9A-Z]{8}\?token=[\w-]{43}$/);
    const page = await request(desk.app).get(String(res.headers.location)).expect(200);
    assert.match(page.text, /84F3-E32248-C1E89AF9/);
    assert.match(page.text, new RegExp(String(body.email)));
  });

  it('when a urlencoded form (no file) is posted, then it is accepted the same way', async () => {
    await request(desk.app).post('/recover').type('form').send(validRequest()).expect(303);
  });

  it('when fields are wrong, then 422 re-renders the form with every typed value and a message per field, storing nothing', async () => {
    const body = validRequest({
      email: 'not-an-email',
      purchased_on: '2999-01-01',
      license_number: 'zz',
      details: 'Keep <this> text & all',
    });
    const before = await desk.base.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM recovery_requests',
    );
    const res = await postForm(body).expect(422);
    assert.match(res.text, /value="not-an-email"/);
    assert.match(res.text, /value="zz"/);
    assert.match(res.text, /value="Quentin Kumar"/);
    assert.match(res.text, /Keep &lt;this&gt; text &amp; all<\/textarea>/);
    assert.match(res.text, /<option value="GB" selected>/);
    assert.match(res.text, /<input type="radio" name="channel" value="estore" checked>/);
    assert.match(res.text, /id="f-email-error">Enter an email address/);
    assert.match(res.text, /id="f-purchased_on-error">The date of purchase cannot be in the future/);
    assert.match(res.text, /id="f-license_number-error">A licence number has 18 characters/);
    assert.match(res.text, /aria-invalid="true"/);
    assert.match(res.text, /<a href="#f-email">/, 'the summary links to the field');
    const afterCount = await desk.base.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM recovery_requests',
    );
    assert.deepEqual(afterCount, before);
  });

  it('when a customer types markup, then it comes back inert', async () => {
    const res = await postForm(validRequest({ name: '<script>alert(1)</script>', email: 'x' })).expect(422);
    assert.ok(!res.text.includes('<script>alert(1)</script>'));
    assert.match(res.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('when a PDF or PNG is attached, then it is stored in the database by content type with its original name kept', async () => {
    for (const [file, type] of [
      [{ buffer: PDF, name: '..\\..\\receipt.pdf' }, 'application/pdf'],
      [{ buffer: PNG, name: 'photo.png' }, 'image/png'],
    ] as const) {
      const body = validRequest();
      await postForm(body, file).expect(303);
      const [row] = await desk.base.db.query<{
        id: number;
        original_name: string;
        content_type: string;
        storage_path: string | null;
        size_bytes: number;
      }>(`SELECT a.* FROM attachments a JOIN recovery_requests r ON r.id = a.request_id WHERE r.email = $1`, [
        body.email,
      ]);
      assert.equal(row!.content_type, type);
      assert.equal(row!.original_name, path.basename(file.name.replace(/\\/g, '/')));
      assert.equal(row!.storage_path, null, 'no file of it under DATA_DIR');
      const content = await openAttachmentContent(desk.base.db, fileCipherOf(desk.base.config), {
        id: row!.id,
        size: Number(row!.size_bytes),
      });
      assert.deepEqual(Buffer.concat(await content.toArray()), file.buffer);
    }
  });

  it('when the attachment is not really a PDF, PNG or JPEG, then the form says so and nothing is stored', async () => {
    const body = validRequest();
    const filesBefore = uploadedFiles();
    const res = await postForm(body, {
      buffer: Buffer.from('MZ this is an exe'),
      name: 'invoice.pdf',
      type: 'application/pdf',
    }).expect(422);
    assert.deepEqual(uploadedFiles(), filesBefore, 'no file was kept');
    assert.match(res.text, /id="f-attachment-error">Attach a PDF, PNG or JPEG file/);
    assert.match(res.text, new RegExp(`value="${String(body.email)}"`));
    const rows = await desk.base.db.query('SELECT 1 FROM recovery_requests WHERE email = $1', [body.email]);
    assert.equal(rows.length, 0);
  });

  it('when the attachment is over 5 MB, then the form says so and nothing is stored', async () => {
    const body = validRequest();
    const filesBefore = uploadedFiles();
    const big = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024)]);
    const res = await postForm(body, { buffer: big, name: 'scan.pdf', type: 'application/pdf' }).expect(422);
    assert.match(res.text, /id="f-attachment-error">The file is larger than 5 MB/);
    const rows = await desk.base.db.query('SELECT 1 FROM recovery_requests WHERE email = $1', [body.email]);
    assert.equal(rows.length, 0);
    assert.deepEqual(uploadedFiles(), filesBefore, 'no file was kept');
  });

  it("when a page does not exist, then a 404 page in the reader's language", async () => {
    const res = await request(desk.app)
      .get('/nowhere')
      .set('Accept-Language', 'de')
      .set('Accept', 'text/html')
      .expect(404);
    assert.match(res.text, /Diese Seite gibt es nicht/);
  });
});

describe('the status page', () => {
  it('when the reader switches language, then the link keeps the status token and the page turns German', async () => {
    const res = await postForm(validRequest()).expect(303);
    const page = await request(desk.app).get(String(res.headers.location)).expect(200);
    const href = /<a href="([^"]+)" lang="de"/
      .exec(page.text)?.[1]
      ?.replace(/&#x3D;/g, '=')
      .replace(/&amp;/g, '&');
    assert.ok(href?.includes('token='), `the German link ${href} keeps the token`);
    const german = await request(desk.app).get(href!).expect(200);
    assert.match(german.text, /Ihre Anfrage RD-/);
  });
});
