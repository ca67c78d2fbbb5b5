import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { revokeToken } from '../src/auth/tokens.service.ts';
import { disableUser } from '../src/auth/users.service.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { insertPurchase, type TestPurchase } from './helpers/purchases.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let technician: TestUser;
before(async () => {
  desk = await startDesk({ workers: false, env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  technician = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** Files a request through the public form, with a proof of purchase; returns its reference. */
async function fileWithAttachment(fields: Record<string, unknown>): Promise<string> {
  let req = request(desk.app).post('/recover').set('Accept-Language', 'en');
  for (const [key, value] of Object.entries(fields)) req = req.field(key, String(value));
  const res = await req
    .attach('attachment', PDF, { filename: 'receipt.pdf', contentType: 'application/pdf' })
    .expect(303);
  return /\/requests\/(RD-[0-9A-Z]{8})\?/.exec(res.headers.location ?? '')![1]!;
}

async function fileThroughApi(
  fields: Record<string, unknown> = {},
): Promise<{ reference: string; token: string }> {
  const res = await request(desk.app)
    .post('/api/v1/recovery-requests')
    .send(validRequest(fields))
    .expect(201);
  return { reference: res.body.reference, token: res.body.token };
}

async function requestId(reference: string): Promise<number> {
  const [row] = await desk.base.db.query<{ id: number }>(
    'SELECT id FROM recovery_requests WHERE reference = $1',
    [reference],
  );
  return row!.id;
}

/** The matcher's output, written as test setup (the matcher itself is tested elsewhere). */
function matchResultFor(purchase: TestPurchase) {
  return {
    verdict: 'strong',
    score: 0.97,
    purchase: {
      license_number: purchase.license_number,
      order_number: purchase.order_number,
      purchaser_email: purchase.purchaser_email,
      purchaser_name: purchase.purchaser_name,
    },
    fields: [
      {
        field: 'license_number',
        claimed: purchase.license_number,
        recorded: purchase.license_number,
        outcome: 'match',
      },
      {
        field: 'order_number',
        claimed: purchase.order_number,
        recorded: purchase.order_number,
        outcome: 'match',
      },
    ],
    flags: ['email_differs'],
  };
}

async function insertMatchResult(reference: string, purchase: TestPurchase) {
  const result = matchResultFor(purchase);
  await desk.base.db.query(
    `INSERT INTO match_results (request_id, purchase_id, verdict, score, result) VALUES ($1, $2, $3, $4, $5)`,
    [await requestId(reference), purchase.id, result.verdict, result.score, JSON.stringify(result)],
  );
  return result;
}

/** A GET with the technician's token, another token, or (null) none. */
function getTicket(reference: string, token: string | null = technician.token) {
  const req = request(desk.app).get(`/api/v1/tickets/${reference}`);
  return token === null ? req : req.set('Authorization', `Bearer ${token}`);
}

/** Every key at any depth of a JSON value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
  return [];
}

describe('GET /api/v1/tickets/:reference', () => {
  it('when a technician asks with their token, then 200 with the request as filed and typed, its match result, history, emails and attachments', async () => {
    const purchase = await insertPurchase(desk.base.db, desk.base.config.secretKey);
    const typedLicense = purchase.license_number.toLowerCase().replace(/-/g, ' ');
    const fields = validRequest({ license_number: typedLicense, order_number: purchase.order_number });
    const reference = await fileWithAttachment(fields);
    const match = await insertMatchResult(reference, purchase);

    const res = await getTicket(reference.toLowerCase()).expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.reference, reference);
    assert.equal(res.body.status, 'received');
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
    assert.equal(res.body.duplicate_of, null);
    assert.equal(res.body.request.email, fields.email);
    assert.equal(res.body.request.license_number, purchase.license_number, 'canonical form');
    assert.equal(res.body.request.order_number, purchase.order_number);
    assert.equal(res.body.request.purchased_on, fields.purchased_on);
    assert.equal(res.body.request.details, fields.details);
    assert.equal(res.body.typed.license_number, typedLicense, 'as the customer typed it');
    assert.deepEqual(res.body.match, match);

    const history = res.body.history as { actor: string; type: string; data: unknown; created_at: string }[];
    assert.deepEqual(
      history.map((e) => [e.actor, e.type]),
      [['customer', 'received']],
    );
    assert.deepEqual(history[0]!.data, { channel: 'form' });
    assert.ok(!Number.isNaN(Date.parse(history[0]!.created_at)));

    assert.equal(res.body.emails.length, 1);
    const [email] = res.body.emails;
    assert.equal(email.template, 'request-received');
    assert.equal(email.to_address, fields.email);
    assert.match(email.subject, new RegExp(reference));
    assert.ok(['pending', 'sending', 'sent'].includes(email.status));
    assert.ok(!('html' in email) && !('text' in email), 'not the bodies');

    const attachments = res.body.attachments as { name: string; type: string; size: number }[];
    assert.deepEqual(
      attachments.map((a) => [a.name, a.type, a.size]),
      [['receipt.pdf', 'application/pdf', PDF.length]],
    );
  });

  it('when the ticket has a purchase behind it, then the answer never carries its activation code, in any form', async () => {
    const code = 'TX684-V88U4-ASMZU-29U4Q';
    const purchase = await insertPurchase(desk.base.db, desk.base.config.secretKey, {
      activation_code: code,
    });
    const { reference } = await fileThroughApi({
      license_number: purchase.license_number,
      order_number: purchase.order_number,
      details: `my old code was ${code}`,
    });
    await insertMatchResult(reference, purchase);
    const [stored] = await desk.base.db.query<{ activation_code_enc: string }>(
      'SELECT activation_code_enc FROM purchases WHERE id = $1',
      [purchase.id],
    );

    const res = await getTicket(reference).expect(200);
    const keys = keysOf(res.body);
    for (const secret of [
      'activation_code',
      'activation_code_enc',
      'status_token_hash',
      'storage_path',
      'html',
    ]) {
      assert.ok(!keys.includes(secret), `no field named ${secret}`);
    }
    for (const secret of [code, code.replace(/-/g, ''), stored!.activation_code_enc]) {
      assert.ok(!res.text.includes(secret), 'the code appears nowhere');
    }
    assert.match(
      res.body.request.details,
      /XXXXX-XXXXX-XXXXX-XXXXX/,
      'the customer’s own mention stays masked',
    );
  });

  it('when the request has not been matched yet, then match is null', async () => {
    const { reference } = await fileThroughApi();
    const res = await getTicket(reference).expect(200);
    assert.equal(res.body.match, null);
    assert.deepEqual(res.body.attachments, []);
  });

  it('when the request duplicates an open one, then duplicate_of is that request’s reference', async () => {
    const first = await fileThroughApi();
    const second = await fileThroughApi();
    await desk.base.db.query('UPDATE recovery_requests SET duplicate_of = $1 WHERE id = $2', [
      await requestId(first.reference),
      await requestId(second.reference),
    ]);
    const res = await getTicket(second.reference).expect(200);
    assert.equal(res.body.duplicate_of, first.reference);
  });

  it('when the reference is unknown or malformed, then 404 in JSON', async () => {
    for (const reference of ['RD-00000000', 'nonsense']) {
      const res = await getTicket(reference).expect(404);
      assert.equal(res.body.error, 'not_found');
      assert.equal(typeof res.body.message, 'string');
    }
  });
});

describe('the technician API without a good token', () => {
  let reference: string;
  let customerToken: string;
  before(async () => {
    ({ reference, token: customerToken } = await fileThroughApi());
  });

  async function assertUnauthorized(token: string | null, header?: string) {
    let req = getTicket(reference, token);
    if (header !== undefined) req = req.set('Authorization', header);
    const res = await req.expect(401);
    assert.equal(res.body.error, 'unauthorized');
    assert.equal(typeof res.body.message, 'string');
    assert.match(res.headers['www-authenticate'] ?? '', /^Bearer/);
    assert.ok(!res.text.includes(reference), 'nothing about the request');
  }

  it('when there is no token, then 401', async () => {
    await assertUnauthorized(null);
    await assertUnauthorized(null, `Basic ${Buffer.from('a:b').toString('base64')}`);
  });

  it('when the token is unknown, malformed, or the customer’s status token, then 401', async () => {
    await assertUnauthorized(`rdt_${'x'.repeat(43)}`);
    await assertUnauthorized('garbage');
    await assertUnauthorized(customerToken);
  });

  it('when the token was revoked, then 401', async () => {
    const { user, token, tokenId } = await createUserWithToken(desk.base.db);
    await getTicket(reference, token).expect(200);
    await revokeToken(desk.base.db, user, tokenId, { as: 'owner', address: null });
    await assertUnauthorized(token);
  });

  it('when the token’s user is disabled, then 401', async () => {
    const { user, token } = await createUserWithToken(desk.base.db, 'supervisor');
    await disableUser(desk.base.db, user.id, { actor: 'cli', address: null });
    await assertUnauthorized(token);
  });

  it('when the reference does not exist and there is no token, then 401, not 404', async () => {
    const res = await getTicket('RD-00000000', null).expect(401);
    assert.equal(res.body.error, 'unauthorized');
  });
});
