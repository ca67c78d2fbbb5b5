import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
});
after(() => desk.stop());

async function countRows(table: string): Promise<number> {
  const [row] = await desk.base.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}

async function rowsFor(email: string) {
  return desk.base.db.query('SELECT * FROM recovery_requests WHERE email = $1', [email]);
}

describe('filing through the JSON API', () => {
  it('when a valid request is sent, then it is stored normalised, answered 201 and acknowledged by email with its reference', async () => {
    const body = validRequest({ license_number: '84f3 e32248 cle89af9', country: 'gb' });
    const res = await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201);
    assert.match(res.body.reference, /^RD-[0-9A-HJKMNP-TV-Z]{8}$/);
    assert.equal(res.body.status, 'received');
    assert.ok(res.body.token.length >= 43, 'token carries at least 128 random bits');
    assert.equal(
      res.body.status_url,
      `http://desk.test/requests/${res.body.reference}?token=${res.body.token}`,
    );

    const [row] = await rowsFor(body.email as string);
    assert.equal(row!.license_number, '84F3-E32248-C1E89AF9');
    assert.equal(row!.country, 'GB');
    // Stored as received; the desk's match worker may already have moved it on to triage.
    assert.ok(['received', 'triage'].includes(row!.status as string), row!.status as string);
    assert.deepEqual((row!.typed as Record<string, string>).license_number, '84f3 e32248 cle89af9');
    assert.notEqual(row!.status_token_hash, res.body.token, 'the token is stored hashed');

    const mail = await desk.smtp.waitForSubject(res.body.reference);
    assert.deepEqual(mail.to, [body.email]);
    assert.ok(mail.parsed.text?.includes(res.body.status_url), 'the text part links to the status page');
    assert.ok(mail.parsed.html?.includes(res.body.reference));
    const stored = await desk.base.db.query<{ text: string; html: string }>(
      'SELECT text, html FROM emails WHERE request_id = $1',
      [row!.id],
    );
    assert.ok(
      stored.length === 1 &&
        !stored[0]!.text.includes(res.body.token) &&
        !stored[0]!.html.includes(res.body.token),
      'the stored copy of the email does not hold the status token',
    );
    const [job] = await desk.base.db.query<{ job_name: string }>(
      `SELECT job_name FROM outbox WHERE job_name = 'match' AND payload->>'requestId' = $1`,
      [String(row!.id)],
    );
    assert.equal(job?.job_name, 'match', 'a match job was queued with the request');
  });

  it('when the customer asks for German, then the acknowledgement is in German', async () => {
    const res = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .set('Accept-Language', 'de-DE,de;q=0.9')
      .send(validRequest())
      .expect(201);
    const mail = await desk.smtp.waitForSubject(res.body.reference);
    assert.match(mail.parsed.subject ?? '', /Wir haben Ihre Anfrage/);
  });

  it('when details contain an activation code, then the code is masked before storage', async () => {
    const body = validRequest({ details: 'old code TX684-V88U4-ASMZU-29U4Q stopped working' });
    await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201);
    const [row] = await rowsFor(body.email as string);
    assert.equal(row!.details, 'old code XXXXX-XXXXX-XXXXX-XXXXX stopped working');
  });

  const invalid: [string, Record<string, unknown>, string, RegExp][] = [
    ['email', { email: 'not-an-address' }, 'email', /email address/],
    ['email missing', { email: '' }, 'email', /required/],
    ['name missing', { name: '   ' }, 'name', /required/],
    ['name with a line break', { name: 'Eve\r\nBcc: x@y.z' }, 'name', /line breaks/],
    [
      'no licence at all',
      { license_number: '', license_key: '' },
      'license_number',
      /licence number or your licence key/,
    ],
    ['licence number malformed', { license_number: '84F3-E32248' }, 'license_number', /18 characters/],
    ['licence key malformed', { license_key: 'ZZZ' }, 'license_key', /32 characters/],
    ['estore without order number', { channel: 'estore', order_number: '' }, 'order_number', /order number/],
    ['order number too short', { order_number: 'ab' }, 'order_number', /3 to 40/],
    ['unknown channel', { channel: 'flea_market' }, 'channel', /Choose one/],
    ['unknown country', { country: 'XX' }, 'country', /country/],
    ['date not ISO', { purchased_on: '31/10/2024' }, 'purchased_on', /YYYY-MM-DD/],
    ['date impossible', { purchased_on: '2024-02-30' }, 'purchased_on', /YYYY-MM-DD/],
    ['date in the future', { purchased_on: '2999-01-01' }, 'purchased_on', /future/],
    ['date before 2000', { purchased_on: '1999-12-31' }, 'purchased_on', /2000-01-01/],
    ['unknown reason', { reason: 'bored' }, 'reason', /Choose one/],
    ['unknown outcome', { desired_outcome: 'both' }, 'desired_outcome', /Choose one/],
    ['details too long', { details: 'x'.repeat(5001) }, 'details', /5000/],
    ['unknown locale', { locale: 'fr' }, 'locale', /Choose one/],
    ['a number where text belongs', { store: 42 }, 'store', /not valid/],
  ];
  for (const [label, override, field, message] of invalid) {
    it(`when ${label}, then 422 names ${field} and nothing is stored`, async () => {
      const before = await countRows('recovery_requests');
      const outboxBefore = await countRows('outbox');
      const res = await request(desk.app)
        .post('/api/v1/recovery-requests')
        .send(validRequest(override))
        .expect(422);
      assert.equal(res.body.error, 'validation_failed');
      assert.match(res.body.fields[field], message);
      assert.equal(await countRows('recovery_requests'), before);
      assert.equal(await countRows('outbox'), outboxBefore);
    });
  }

  it('when every field is wrong at once, then each gets its own message', async () => {
    const res = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .send({ email: 'x', channel: 'estore', purchased_on: 'soon' })
      .expect(422);
    for (const field of [
      'email',
      'name',
      'license_number',
      'order_number',
      'store',
      'country',
      'purchased_on',
      'reason',
      'desired_outcome',
    ]) {
      assert.ok(res.body.fields[field], `a message for ${field}`);
    }
  });

  it('when the body is not JSON, then 400 malformed_json', async () => {
    const res = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    assert.equal(res.body.error, 'malformed_json');
  });

  it('when the body is too large, then 413 and nothing is stored', async () => {
    const before = await countRows('recovery_requests');
    const res = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .send(validRequest({ details: 'x'.repeat(200_000) }))
      .expect(413);
    assert.equal(res.body.error, 'payload_too_large');
    assert.equal(await countRows('recovery_requests'), before);
  });

  it('when the body is an array, then 422; when a bare JSON value, then 400', async () => {
    const before = await countRows('recovery_requests');
    await request(desk.app).post('/api/v1/recovery-requests').send([1, 2]).expect(422);
    await request(desk.app)
      .post('/api/v1/recovery-requests')
      .set('Content-Type', 'application/json')
      .send('"hi"')
      .expect(400);
    assert.equal(await countRows('recovery_requests'), before);
  });

  it('when the body is not JSON at all, then 415 and nothing is stored', async () => {
    await request(desk.app).post('/api/v1/recovery-requests').type('form').send(validRequest()).expect(415);
  });
});

describe("the customer's view", () => {
  it('when the status token is right, then the API and the page show the request without match details', async () => {
    const body = validRequest();
    const filed = (await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201)).body;
    const api = await request(desk.app)
      .get(`/api/v1/recovery-requests/${filed.reference}`)
      .set('Authorization', `Bearer ${filed.token}`)
      .expect(200);
    assert.equal(api.body.reference, filed.reference);
    // The match worker may already have moved it on; either way no match details show.
    assert.ok(['received', 'triage'].includes(api.body.status as string), api.body.status as string);
    assert.equal(api.body.request.license_number, '84F3-E32248-C1E89AF9');
    assert.equal(api.body.match, undefined);
    const page = await request(desk.app).get(`/requests/${filed.reference}?token=${filed.token}`).expect(200);
    assert.match(page.text, new RegExp(filed.reference));
    assert.equal(page.headers['cache-control'], 'no-store');
  });

  it('when the token is wrong or missing, or the reference unknown, then 404 alike', async () => {
    const filed = (await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201))
      .body;
    const wrong = await request(desk.app)
      .get(`/api/v1/recovery-requests/${filed.reference}`)
      .set('Authorization', 'Bearer not-the-token')
      .expect(404);
    const missing = await request(desk.app).get(`/api/v1/recovery-requests/${filed.reference}`).expect(404);
    const unknown = await request(desk.app)
      .get('/api/v1/recovery-requests/RD-00000000')
      .set('Authorization', `Bearer ${filed.token}`)
      .expect(404);
    assert.deepEqual(wrong.body, unknown.body);
    assert.deepEqual(missing.body, unknown.body);
    await request(desk.app).get(`/requests/${filed.reference}?token=nope`).expect(404);
  });
});

describe('intake limits', () => {
  it('when one address or one email sends more than its limit, then 429 with Retry-After and nothing more is stored', async () => {
    const limited = await startDesk({
      env: { INTAKE_LIMIT_PER_IP: '2', INTAKE_LIMIT_PER_EMAIL: '100' },
      redis: desk.redis,
      smtp: desk.smtp,
      database: desk.database,
      workers: false,
    });
    try {
      await request(limited.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
      await request(limited.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
      const before = await countRows('recovery_requests');
      const res = await request(limited.app)
        .post('/api/v1/recovery-requests')
        .send(validRequest())
        .expect(429);
      assert.equal(res.body.error, 'rate_limited');
      assert.ok(Number(res.headers['retry-after']) > 0);
      assert.equal(await countRows('recovery_requests'), before);
    } finally {
      await limited.stop();
    }

    const perEmail = await startDesk({
      env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '1' },
      redis: desk.redis,
      smtp: desk.smtp,
      database: desk.database,
      workers: false,
    });
    try {
      const body = validRequest();
      await request(perEmail.app).post('/api/v1/recovery-requests').send(body).expect(201);
      const again = { ...body, email: ` ${String(body.email).toUpperCase()} ` };
      await request(perEmail.app).post('/api/v1/recovery-requests').send(again).expect(429);
      await request(perEmail.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    } finally {
      await perEmail.stop();
    }
  });
});

describe('service levels', () => {
  it('when FIRST_RESPONSE_HOURS and RESOLUTION_HOURS are decimals, then intake accepts requests and their due times are that many hours away', async () => {
    const halfHour = await startDesk({
      env: { FIRST_RESPONSE_HOURS: '0.5', RESOLUTION_HOURS: '1.25', INTAKE_LIMIT_PER_IP: '0' },
      redis: desk.redis,
      smtp: desk.smtp,
      database: desk.database,
      workers: false,
    });
    try {
      const res = await request(halfHour.app)
        .post('/api/v1/recovery-requests')
        .send(validRequest())
        .expect(201);
      const [row] = await desk.base.db.query<{ first: number; resolution: number }>(
        `SELECT extract(epoch FROM first_response_due_at - created_at)::float8 AS first,
                extract(epoch FROM resolution_due_at - created_at)::float8 AS resolution
           FROM recovery_requests WHERE reference = $1`,
        [res.body.reference],
      );
      assert.ok(row);
      assert.ok(Math.abs(row.first - 1800) < 1, `first response due ${row.first} s after filing`);
      assert.ok(Math.abs(row.resolution - 4500) < 1, `resolution due ${row.resolution} s after filing`);
    } finally {
      await halfHour.stop();
    }
  });
});
