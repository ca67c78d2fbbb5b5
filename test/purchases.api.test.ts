/**
 * Purchases by API (README "Purchases by API", SPEC §14): a shop pushes sales with an API token
 * that holds the purchases:write scope (or an admin's). Same rules as `desk import`; an answer
 * per record; the desk's own decisions outrank a push; matching sees a pushed purchase at once.
 * Everything goes through HTTP; the rows, the audit and the log are read as an operator would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createOwnToken } from '../src/auth/tokens.service.ts';
import { createCodeCipher } from '../src/purchases/code-cipher.ts';
import { findPurchaseByLicenseNumber } from '../src/purchases/purchases.repository.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { fileMatchedRequest, postApproval, postDecision } from './helpers/tickets.ts';
import { purchaseFields, type TestPurchase } from './helpers/purchases.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let admin: TestUser;
let technician: TestUser;
let supervisor: TestUser;
/** A technician's token with the purchases:write scope: the shop's. */
let shop: string;
/** Everything the desk answered or logged in this file, searched for codes at the end. */
const seen: string[] = [];
const codesSent = new Set<string>();

before(async () => {
  desk = await startDesk({
    env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', LOG_LEVEL: 'debug' },
    logDestination: { write: (line) => void seen.push(line) },
  });
  admin = await createUserWithToken(desk.base.db, 'admin');
  technician = await createUserWithToken(desk.base.db, 'technician');
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
  const input = { label: 'shop', expiresInDays: 30, scopes: ['purchases:write' as const] };
  shop = (await createOwnToken(desk.base.db, technician.user, input, null)).token;
});
after(() => desk.stop());

/** A valid purchase record with identifiers of its own, as a shop sends it; overrides set any field. */
function sale(overrides: Record<string, unknown> = {}) {
  const record = {
    ...purchaseFields({ purchased_at: '2026-10-31', first_activated_at: '2026-11-02' }),
    ...overrides,
  };
  codesSent.add(String(record.activation_code));
  return record as typeof record & { license_number: string };
}

async function answered<T extends { text: string }>(res: Promise<T> | T): Promise<T> {
  const done = await res;
  seen.push(done.text);
  return done;
}

function put(token: string | null, number: string, body: unknown) {
  const req = request(desk.app).put(`/api/v1/purchases/${encodeURIComponent(number)}`);
  if (token) void req.set('Authorization', `Bearer ${token}`);
  return answered(req.send(body as object));
}

function batch(token: string, body: unknown, type = 'application/json') {
  const req = request(desk.app)
    .post('/api/v1/purchases/batch')
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', type);
  return answered(req.send(typeof body === 'string' ? body : JSON.stringify(body)));
}

const ndjson = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

const stored = (number: string) => findPurchaseByLicenseNumber(desk.base.db, number);
const storedCode = async (number: string) =>
  createCodeCipher(desk.base.config.secretKey).decrypt((await stored(number))!.activation_code_enc);

/** A pushed record as the ticket helpers take a purchase (with its stored id). */
async function asPurchase(record: ReturnType<typeof sale>): Promise<TestPurchase> {
  return { ...record, id: (await stored(record.license_number))!.id };
}

async function lastAudit() {
  const [row] = await desk.base.db.query<{ actor: string; subject: string; data: Record<string, unknown> }>(
    `SELECT actor, subject, data FROM audit_events WHERE action = 'purchases_pushed' ORDER BY id DESC LIMIT 1`,
  );
  return row!;
}

describe('one record at its address (PUT)', () => {
  it('when a shop puts a new sale, then 201 created, stored in canonical form with its code encrypted; the same again is unchanged; a change is updated', async () => {
    const record = sale({ country: 'uk' });
    const loose = record.license_number.toLowerCase().replace(/-/g, '');
    // Without a licence number in the body: the address names it.
    const full: Record<string, unknown> = { ...record, license_number: undefined };

    const created = await put(shop, loose, full);
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body, { license_number: record.license_number, result: 'created' });
    const row = (await stored(record.license_number))!;
    assert.equal(row.country, 'GB');
    assert.equal(await storedCode(record.license_number), full.activation_code);
    assert.ok(!row.activation_code_enc.includes(String(full.activation_code)), 'encrypted at rest');

    const again = await put(shop, record.license_number, full);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { license_number: record.license_number, result: 'unchanged' });

    const changed = await put(shop, record.license_number, { ...full, price: '499.00' });
    assert.deepEqual(changed.body, { license_number: record.license_number, result: 'updated' });
    assert.equal((await stored(record.license_number))?.price, '499.00');

    const audit = await lastAudit();
    assert.equal(audit.actor, technician.user.email);
    assert.equal(audit.subject, `the purchase of licence ${record.license_number}`);
    assert.deepEqual(
      { ...audit.data, token_id: typeof audit.data.token_id },
      {
        via: 'put',
        token_id: 'number',
        records: 1,
        created: 0,
        updated: 1,
        unchanged: 0,
        invalid: 0,
        rematched: 0,
      },
    );
  });

  it('when the body names another licence number, or fields are bad, then 422 with each field and nothing is stored', async () => {
    const record = sale();
    const other = sale().license_number;
    const res = await put(shop, other, record);
    assert.equal(res.status, 422);
    assert.equal(res.body.error, 'invalid');
    assert.deepEqual(res.body.fields, { license_number: `does not agree with the address (${other})` });

    const bad = await put(shop, record.license_number, {
      ...record,
      seats: 0,
      purchased_at: '2026-02-30',
      colour: 'red',
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(Object.keys(bad.body.fields).sort(), ['colour', 'purchased_at', 'seats']);
    assert.match(bad.body.message, /nothing was stored/);

    const noNumber = await put(shop, 'not-a-licence', record);
    assert.equal(noNumber.status, 422);
    assert.match(noNumber.body.fields.license_number, /does not name a licence number/);
    assert.equal(await stored(record.license_number), undefined);
    assert.equal(await stored(other), undefined);
  });
});

describe('batches', () => {
  it('when a JSON array mixes good and bad records, then each is answered in order, the bad with their fields, and the good are stored', async () => {
    const [a, b, c] = [sale(), sale(), sale()];
    const res = await batch(shop, [
      a,
      { ...b, currency: 'XXQ', activation_code: 'not a code' },
      c,
      'text',
      { ...a, price: '10.00' },
    ]);
    assert.equal(res.status, 200, res.text);
    const results = res.body.results as Record<string, unknown>[];
    assert.deepEqual(results[0], {
      index: 0,
      license_number: a.license_number,
      error: 'invalid',
      fields: { license_number: 'appears again at index 4, which is stored instead' },
    });
    assert.deepEqual(results[1], {
      index: 1,
      license_number: b.license_number,
      error: 'invalid',
      fields: {
        activation_code: 'the value is not an activation code (4 blocks of 5 of A-Z 0-9)',
        currency: '"XXQ" is not an ISO 4217 currency code',
      },
    });
    assert.deepEqual(results[2], { index: 2, license_number: c.license_number, result: 'created' });
    assert.equal(results[3]!.error, 'invalid');
    assert.deepEqual(results[4], { index: 4, license_number: a.license_number, result: 'created' });
    assert.deepEqual(res.body.counts, { created: 2, updated: 0, unchanged: 0, invalid: 3 });
    assert.equal((await stored(a.license_number))?.price, '10.00');
    assert.equal(await stored(b.license_number), undefined);
    assert.deepEqual((await lastAudit()).data.invalid, 3);
  });

  it('when a batch comes as NDJSON, then its answers name lines (blank lines skipped) and a re-send is unchanged', async () => {
    const [a, b] = [sale(), sale()];
    const body = `${JSON.stringify(a)}\n\n${JSON.stringify({ ...b, seats: 'five' })}\r\n`;
    const res = await batch(shop, body, 'application/x-ndjson');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.results, [
      { line: 1, license_number: a.license_number, result: 'created' },
      {
        line: 3,
        license_number: b.license_number,
        error: 'invalid',
        fields: { seats: '"five" is not a whole number of at least 1' },
      },
    ]);
    const again = await batch(shop, ndjson(a), 'application/x-ndjson');
    assert.deepEqual(again.body.results, [
      { line: 1, license_number: a.license_number, result: 'unchanged' },
    ]);
  });

  it('when a batch is over 1,000 records, too large, malformed or not a batch, then a clear 4xx JSON error and nothing is stored', async () => {
    const many = Array.from({ length: 1001 }, () => sale());
    const cases = [
      {
        body: many,
        status: 413,
        error: 'too_many_records',
        message: /at most 1,000 records; this one holds 1,001/,
      },
      {
        body: ndjson(...many),
        type: 'application/x-ndjson',
        status: 413,
        error: 'too_many_records',
        message: /1,001/,
      },
      { body: '[{"order_number": ', status: 400, error: 'malformed_json', message: /not valid JSON/ },
      {
        body: `${ndjson(many[0])}{oops\n`,
        type: 'application/x-ndjson',
        status: 400,
        error: 'malformed_ndjson',
        message: /Line 2 is not valid JSON/,
      },
      { body: { purchases: [many[0]] }, status: 422, error: 'not_a_batch', message: /JSON array/ },
      { body: [], status: 422, error: 'empty_batch', message: /no records/ },
      {
        body: 'a,b,c\n',
        type: 'text/csv',
        status: 415,
        error: 'unsupported_media_type',
        message: /application\/x-ndjson/,
      },
      {
        body: `[${'"x",'.repeat(600_000)}"x"]`,
        status: 413,
        error: 'payload_too_large',
        message: /larger than 2mb/,
      },
    ];
    for (const c of cases) {
      const res = await batch(shop, c.body, c.type);
      assert.equal(res.status, c.status, `${c.error}: ${res.text.slice(0, 200)}`);
      assert.equal(res.body.error, c.error);
      assert.match(res.body.message, c.message);
      assert.match(res.body.message, /Nothing was stored/);
    }
    for (const record of many.slice(0, 3)) assert.equal(await stored(record.license_number), undefined);
  });

  it('when a full batch of 1,000 records is pushed, then all are created in one call', async () => {
    const records = Array.from({ length: 1000 }, () => sale());
    const started = Date.now();
    const res = await batch(shop, records);
    const ms = Date.now() - started;
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.counts, { created: 1000, updated: 0, unchanged: 0, invalid: 0 });
    console.log(`# a batch of 1,000 new records: ${ms} ms, ${JSON.stringify(records).length} bytes`);
  });
});

describe("the desk's own decisions outrank a push", () => {
  /** A pushed sale as the ticket helpers take a purchase. */
  async function pushedPurchase(): Promise<{ record: ReturnType<typeof sale>; purchase: TestPurchase }> {
    const record = sale();
    const res = await put(shop, record.license_number, record);
    assert.equal(res.status, 201, res.text);
    return { record, purchase: await asPurchase(record) };
  }

  it('when the desk refunded a pushed licence, then pushing the sale again leaves it refunded', async () => {
    const { record, purchase } = await pushedPurchase();
    const ticket = await fileMatchedRequest(desk, purchase, { desired_outcome: 'refund' });
    const proposed = await postDecision(desk, technician.token, ticket.reference, {
      type: 'refund',
      amount: '549.00',
    });
    assert.equal(proposed.status, 202, proposed.text);
    await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(200);
    assert.equal((await stored(record.license_number))?.status, 'refunded');

    const again = await put(shop, record.license_number, record);
    assert.deepEqual(again.body, { license_number: record.license_number, result: 'unchanged' });
    assert.equal((await stored(record.license_number))?.status, 'refunded');
  });

  it('when the desk replaced a pushed code, then pushing the old code again keeps the new one', async () => {
    const { record, purchase } = await pushedPurchase();
    const ticket = await fileMatchedRequest(desk, purchase);
    await postDecision(desk, technician.token, ticket.reference, { type: 'reissue', mode: 'replace' }).expect(
      200,
    );
    const replaced = await storedCode(record.license_number);
    assert.notEqual(replaced, record.activation_code);

    const again = await batch(shop, [record]);
    assert.deepEqual(again.body.counts, { created: 0, updated: 0, unchanged: 1, invalid: 0 });
    assert.equal(await storedCode(record.license_number), replaced);
  });
});

describe('who may push', () => {
  it('when a token has no purchases:write scope and its user is no admin, then 403; with the scope or an admin’s token, allowed; a revoked token or none, 401', async () => {
    const cases: { who: string; token: string | null; status: number }[] = [
      { who: 'technician without the scope', token: technician.token, status: 403 },
      { who: 'supervisor without the scope', token: supervisor.token, status: 403 },
      { who: 'technician with the scope', token: shop, status: 201 },
      { who: 'admin without the scope', token: admin.token, status: 201 },
      { who: 'nobody', token: null, status: 401 },
    ];
    for (const c of cases) {
      const record = sale();
      const res = await put(c.token, record.license_number, record);
      assert.equal(res.status, c.status, `${c.who}: ${res.text}`);
      if (c.status === 403) assert.match(res.body.message, /purchases:write scope/);
      if (c.status !== 201) assert.equal(await stored(record.license_number), undefined, c.who);
    }
    const batchRes = await batch(technician.token, [sale()]);
    assert.equal(batchRes.status, 403);

    const doomed = await createUserWithToken(desk.base.db, 'technician');
    const input = { label: 'doomed', expiresInDays: 30, scopes: ['purchases:write' as const] };
    const { token, tokenId } = await createOwnToken(desk.base.db, doomed.user, input, null);
    await desk.base.db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [tokenId]);
    const record = sale();
    assert.equal((await put(token, record.license_number, record)).status, 401);
  });
});

describe('matching sees a pushed purchase at once', () => {
  it('when a sale is pushed and then a request names it, then the worker matches the request to it (strong)', async () => {
    const record = sale();
    await put(shop, record.license_number, record);
    const purchase = await asPurchase(record);
    const ticket = await fileMatchedRequest(desk, purchase);
    const [match] = await desk.base.db.query<{ verdict: string; purchase_id: number }>(
      'SELECT verdict, purchase_id FROM match_results WHERE request_id = $1',
      [ticket.id],
    );
    assert.deepEqual(match, { verdict: 'strong', purchase_id: purchase.id });
  });
});

describe('requests filed before their sale arrived', () => {
  it('when a request matched nothing and its sale is pushed later, then it is matched again, to that sale', async () => {
    const record = sale();
    const early = await fileMatchedRequest(desk, { ...record, id: 0 });
    const verdict = async () =>
      (
        await desk.base.db.query<{ verdict: string; purchase_id: number | null }>(
          'SELECT verdict, purchase_id FROM match_results WHERE request_id = $1',
          [early.id],
        )
      )[0]!;
    assert.deepEqual(await verdict(), { verdict: 'none', purchase_id: null });

    const res = await batch(shop, [record]);
    assert.deepEqual(res.body.counts, { created: 1, updated: 0, unchanged: 0, invalid: 0 });
    assert.equal((await lastAudit()).data.rematched, 1);
    const purchaseId = (await stored(record.license_number))!.id;
    await waitFor(
      async () => (await verdict()).purchase_id === purchaseId,
      15_000,
      'the request matched again',
    );
    assert.equal((await verdict()).verdict, 'strong');
  });
});

describe('codes stay secret', () => {
  it('when every answer and log line of this file is searched, then no activation code that was pushed appears', () => {
    assert.ok(
      seen.length > 20 && codesSent.size > 1000,
      `searched ${seen.length} texts for ${codesSent.size} codes`,
    );
    const all = seen.join('\n');
    assert.match(all, /"url":"\/api\/v1\/purchases\/batch"/, 'the request log was read too');
    const found = [...codesSent].filter((c) => all.includes(c) || all.includes(c.replace(/-/g, '')));
    assert.deepEqual(found, []);
  });
});
