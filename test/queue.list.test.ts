import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { insertPurchase } from './helpers/purchases.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let tech: TestUser;
let other: TestUser;
const filed: { reference: string; id: number }[] = [];

/** Files a request and waits until the matcher has moved it to triage. */
async function file(overrides: Record<string, unknown> = {}) {
  const res = await request(desk.app)
    .post('/api/v1/recovery-requests')
    .send(validRequest(overrides))
    .expect(201);
  const [row] = await desk.base.db.query<{ id: number }>(
    'SELECT id FROM recovery_requests WHERE reference = $1',
    [res.body.reference],
  );
  await waitFor(
    async () =>
      (
        await desk.base.db.query(`SELECT 1 FROM recovery_requests WHERE id = $1 AND status = 'triage'`, [
          row!.id,
        ])
      ).length > 0,
    15_000,
    'the match',
  );
  const item = { reference: res.body.reference as string, id: row!.id };
  filed.push(item);
  return item;
}

interface Page {
  items: { reference: string; flags: string[]; owner: string | null; overdue: boolean }[];
  next_cursor: string | null;
  counts: { byStatus: Record<string, number>; overdue: number };
}
const page = (res: { body: unknown }) => res.body as Page;
const refsOf = (res: { body: unknown }) => page(res).items.map((i) => i.reference);

const list = (query: Record<string, string> = {}, token = tech.token) =>
  request(desk.app).get('/api/v1/tickets').query(query).set('Authorization', `Bearer ${token}`);

before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  tech = await createUserWithToken(desk.base.db, 'technician');
  other = await createUserWithToken(desk.base.db, 'supervisor');
  const p = await insertPurchase(desk.base.db, desk.base.config.secretKey, {
    purchaser_email: 'queue.buyer@example.com',
    purchaser_name: 'Quentin Kumar',
  });
  // strong, then none, then one for another licence; due times set so their order is known
  await file({
    email: 'queue.buyer@example.com',
    license_number: p.license_number,
    order_number: p.order_number,
  });
  await file({
    license_number: 'AAAA-BBBBBB-CCCCCCCC',
    order_number: 'NOPE-1234',
    email: 'nobody@example.org',
  });
  await file({ order_number: 'ES 2024 5555#5555', license_number: '1111-222222-33333333' });
  for (const [i, f] of filed.entries()) {
    await desk.base.db.query(
      `UPDATE recovery_requests SET resolution_due_at = now() + $2 * interval '1 hour' WHERE id = $1`,
      [
        f.id,
        10 - i * 3, // the last filed is due first
      ],
    );
  }
});
after(() => desk.stop());

describe('GET /api/v1/tickets', () => {
  it('when listed, then open requests come what is due first, with counts per status and no secrets', async () => {
    const res = await list().expect(200);
    const refs = refsOf(res);
    assert.deepEqual(refs, filed.map((f) => f.reference).reverse());
    assert.equal(res.body.counts.byStatus.triage, 3);
    assert.equal(res.body.next_cursor, null);
    assert.doesNotMatch(JSON.stringify(res.body), /activation_code|token_hash|client_ip/);
  });

  it('when paged with a limit, then the cursor walks every request once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = cursor ? { limit: '1', cursor } : { limit: '1' };
      const res = await list(query).expect(200);
      seen.push(...refsOf(res));
      cursor = page(res).next_cursor;
    } while (cursor);
    assert.deepEqual(seen, filed.map((f) => f.reference).reverse());
  });

  it('when filtered by verdict or flag, then only those requests show', async () => {
    const strong = await list({ verdict: 'strong' }).expect(200);
    assert.deepEqual(refsOf(strong), [filed[0]!.reference]);
    const none = await list({ verdict: 'none' }).expect(200);
    assert.equal(none.body.items.length, 2);
    const flagged = await list({ flag: 'email_differs' }).expect(200);
    assert.ok(page(flagged).items.every((i) => i.flags.includes('email_differs')));
  });

  it('when searched by reference, email, licence number or order number, then the request is found', async () => {
    const byRef = await list({ q: filed[1]!.reference.toLowerCase() }).expect(200);
    assert.deepEqual(refsOf(byRef), [filed[1]!.reference]);
    const byEmail = await list({ q: 'Queue.Buyer@Example.com' }).expect(200);
    assert.deepEqual(refsOf(byEmail), [filed[0]!.reference]);
    const byLicence = await list({ q: 'aaaa bbbbbb cccccccc' }).expect(200);
    assert.deepEqual(refsOf(byLicence), [filed[1]!.reference]);
    const byOrder = await list({ q: 'es-2024-5555-5555' }).expect(200);
    assert.deepEqual(refsOf(byOrder), [filed[2]!.reference]);
  });

  it('when filtered by owner or overdue, then only those requests show', async () => {
    await desk.base.db.query('UPDATE recovery_requests SET claimed_by = $2 WHERE id = $1', [
      filed[0]!.id,
      other.user.id,
    ]);
    await desk.base.db.query(
      `UPDATE recovery_requests SET resolution_due_at = now() - interval '1 hour' WHERE id = $1`,
      [filed[1]!.id],
    );
    const mine = await list({ owner: 'me' }, other.token).expect(200);
    assert.deepEqual(refsOf(mine), [filed[0]!.reference]);
    assert.equal(mine.body.items[0].owner, other.user.email);
    const byEmail = await list({ owner: other.user.email }).expect(200);
    assert.equal(byEmail.body.items.length, 1);
    const unowned = await list({ owner: 'none' }).expect(200);
    assert.equal(unowned.body.items.length, 2);
    const overdue = await list({ overdue: 'true' }).expect(200);
    assert.deepEqual(refsOf(overdue), [filed[1]!.reference]);
    assert.equal(overdue.body.items[0].overdue, true);
    // The counts beside the page are at most a few seconds old (src/queue/status-counts.ts).
    await waitFor(
      async () => (await list({ overdue: 'true' }).expect(200)).body.counts.overdue === 1,
      15_000,
      'the overdue count to catch up',
    );
  });

  it('when a filter is not valid, then 400 naming it', async () => {
    for (const [query, name] of [
      [{ status: 'done' }, /status/],
      [{ verdict: 'maybe' }, /verdict/],
      [{ cursor: 'garbage' }, /cursor/],
      [{ limit: '0' }, /limit/],
      [{ overdue: 'yes' }, /overdue/],
      [{ owner: 'ghost@example.com' }, /owner/],
      [{ flag: "x' OR 1=1" }, /flag/],
    ] as const) {
      const res = await list(query as Record<string, string>).expect(400);
      assert.equal(res.body.error, 'invalid_query');
      assert.match(res.body.message, name);
    }
  });

  it('when there is no API token, then 401', async () => {
    await request(desk.app).get('/api/v1/tickets').expect(401);
  });
});
