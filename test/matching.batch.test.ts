import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { MatchResult } from '../src/matching/match-result.ts';
import { createMatchBatcher } from '../src/matching/match-batcher.ts';
import { matchRequest, RequestNotFoundError } from '../src/matching/matching.service.ts';
import { startWorkers } from '../workers/index.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { insertPurchase, type TestPurchase } from './helpers/purchases.ts';
import { waitFor } from './helpers/wait.ts';

// The desk's workers stay off: each test decides when and how its requests are matched.
let desk: TestDesk;
before(async () => {
  desk = await startDesk({
    workers: false,
    env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' },
  });
});
after(() => desk.stop());

const db = () => desk.base.db;

async function file(body: Record<string, unknown>): Promise<number> {
  const res = await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201);
  const [row] = await db().query<{ id: number }>('SELECT id FROM recovery_requests WHERE reference = $1', [
    res.body.reference,
  ]);
  return row!.id;
}

function claimFor(p: TestPurchase, overrides: Record<string, unknown> = {}) {
  return validRequest({
    email: p.purchaser_email,
    name: p.purchaser_name,
    license_number: p.license_number,
    order_number: p.order_number,
    purchased_on: p.purchased_at,
    ...overrides,
  });
}

async function stored(ids: number[]) {
  return db().query<{ request_id: number; result: MatchResult; matched_at: string; events: number }>(
    `SELECT m.request_id, m.result, m.matched_at::text,
            (SELECT count(*)::int FROM request_events e WHERE e.request_id = m.request_id AND e.type = 'matched') AS events
       FROM match_results m WHERE m.request_id = ANY($1::bigint[]) ORDER BY m.request_id`,
    [ids],
  );
}

const purchases = (n: number) =>
  Promise.all(Array.from({ length: n }, () => insertPurchase(db(), desk.base.config.secretKey)));

describe('matching in batches', () => {
  it('when many requests are matched by concurrent jobs, then each gets the result it gets matched alone, in order', async () => {
    const ps = await purchases(12);
    const ids: number[] = [];
    for (const p of ps.slice(0, 11)) ids.push(await file(claimFor(p)));
    // Second requests for four licences, two of them naming the purchase only by key and order:
    // duplicates found by licence number, and by the purchase an earlier request of the batch chose.
    for (const p of ps.slice(0, 2)) ids.push(await file(claimFor(p)));
    for (const p of ps.slice(2, 4))
      ids.push(await file(claimFor(p, { license_number: undefined, license_key: p.license_key })));
    ids.push(await file(validRequest({ license_number: 'AAAA-BBBBBB-CCCCCCCC' })));
    ids.push(await file(claimFor(ps[11]!, { email: 'someone.else@example.net', name: 'Carlos Fischer' })));

    const workers = startWorkers(desk.base);
    try {
      await waitFor(async () => (await stored(ids)).length === ids.length, 30_000, 'every request matched');
    } finally {
      await workers.stop();
    }
    const batched = await stored(ids);
    const batches = new Set(batched.map((m) => m.matched_at)).size;
    assert.ok(batches < ids.length / 2, `${ids.length} requests went in ${batches} batches`);
    assert.ok(batched.every((m) => m.events === 1));
    const flagged = batched.filter((m) => m.result.flags.includes('duplicate_request'));
    assert.equal(flagged.length, 4, 'the four second requests are duplicates of the first');

    // Matched again one at a time in filing order, each gets what its batch gave it.
    for (const m of batched) assert.deepEqual(await matchRequest(db(), m.request_id), m.result);
    assert.ok(
      (await stored(ids)).every((m) => m.events === 1),
      'no second move or event',
    );
  });

  it('when one request of a batch cannot be saved, then the others are matched and only it fails', async () => {
    const ps = await purchases(6);
    const ids: number[] = [];
    for (const p of ps) ids.push(await file(claimFor(p)));
    const bad = ids[3]!;
    const missing = 2 ** 40;
    // A real fault of the database for one request: its result row is refused.
    await db().exec(`CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.request_id = ${bad} THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_one BEFORE INSERT ON match_results FOR EACH ROW EXECUTE FUNCTION refuse_one();`);
    try {
      const match = createMatchBatcher(db());
      const outcomes = await Promise.allSettled([...ids, missing].map((id) => match(id)));
      const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[...ids, missing][i]] : []));
      assert.deepEqual(failed, [bad, missing]);
      const notFound = outcomes.at(-1) as PromiseRejectedResult;
      assert.ok(notFound.reason instanceof RequestNotFoundError);
    } finally {
      await db().exec('DROP TRIGGER refuse_one ON match_results; DROP FUNCTION refuse_one();');
    }
    const saved = await stored(ids);
    assert.deepEqual(
      saved.map((m) => m.request_id),
      ids.filter((id) => id !== bad),
    );
    const [left] = await db().query<{ status: string }>(
      'SELECT status FROM recovery_requests WHERE id = $1',
      [bad],
    );
    assert.equal(left!.status, 'received', 'the refused request is still waiting for its retry');
    assert.equal((await matchRequest(db(), bad)).verdict, 'strong');
  });

  it('when the same request is asked twice in one batch, then it is saved and moved once, and both get its result', async () => {
    const [p, q] = await purchases(2);
    const a = await file(claimFor(p!));
    const b = await file(claimFor(q!));
    const match = createMatchBatcher(db());
    const [first, again, other] = await Promise.all([match(a), match(a), match(b)]);
    assert.deepEqual(again, first);
    assert.equal(first.verdict, 'strong');
    assert.equal(other.verdict, 'strong');
    const saved = await stored([a, b]);
    assert.deepEqual(
      saved.map((m) => [m.request_id, m.events]),
      [
        [a, 1],
        [b, 1],
      ],
    );
    assert.equal(saved[0]!.matched_at, saved[1]!.matched_at, 'one batch, one statement');
  });
});
