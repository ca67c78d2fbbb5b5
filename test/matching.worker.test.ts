import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { MatchResult } from '../src/matching/match-result.ts';
import { matchRequest } from '../src/matching/matching.service.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { insertPurchase } from './helpers/purchases.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
});
after(() => desk.stop());

async function file(body: Record<string, unknown>) {
  const res = await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201);
  const [row] = await desk.base.db.query<{ id: number }>(
    'SELECT id FROM recovery_requests WHERE reference = $1',
    [res.body.reference],
  );
  return { reference: res.body.reference as string, id: row!.id };
}

async function matched(id: number) {
  await waitFor(
    async () =>
      (await desk.base.db.query('SELECT 1 FROM match_results WHERE request_id = $1', [id])).length > 0,
    15_000,
    `the match result of request ${id}`,
  );
  const [row] = await desk.base.db.query<{
    verdict: string;
    purchase_id: number | null;
    result: MatchResult;
  }>('SELECT verdict, purchase_id, result FROM match_results WHERE request_id = $1', [id]);
  return row!;
}

function claimFor(p: Awaited<ReturnType<typeof insertPurchase>>, overrides: Record<string, unknown> = {}) {
  return validRequest({
    email: p.purchaser_email.toUpperCase(),
    name: p.purchaser_name.split(' ').reverse().join(' '),
    license_number: p.license_number.toLowerCase().replace(/-/g, ' '),
    order_number: p.order_number,
    purchased_on: p.purchased_at,
    ...overrides,
  });
}

describe('the match worker', () => {
  it('when a request names a purchase, then the worker stores an explainable strong result and moves it to triage', async () => {
    const p = await insertPurchase(desk.base.db, desk.base.config.secretKey);
    const { id } = await file(claimFor(p));
    const m = await matched(id);
    assert.equal(m.verdict, 'strong');
    assert.equal(m.purchase_id, p.id);
    assert.equal(m.result.purchase?.license_number, p.license_number);
    const fields = Object.fromEntries(m.result.fields.map((f) => [f.field, f.outcome]));
    assert.equal(fields.license_number, 'match');
    assert.equal(fields.email, 'match');
    assert.equal(fields.name, 'match');
    assert.ok(!JSON.stringify(m.result).includes(p.activation_code), 'never the activation code');
    const [r] = await desk.base.db.query<{ status: string }>(
      'SELECT status FROM recovery_requests WHERE id = $1',
      [id],
    );
    assert.equal(r!.status, 'triage');
    const events = await desk.base.db.query<{ type: string; actor: string }>(
      "SELECT type, actor FROM request_events WHERE request_id = $1 AND type = 'matched'",
      [id],
    );
    assert.deepEqual(events, [{ type: 'matched', actor: 'matcher' }]);
  });

  it('when the job runs again, then the stored result is the same and no row is added', async () => {
    const p = await insertPurchase(desk.base.db, desk.base.config.secretKey);
    const { id } = await file(claimFor(p));
    const first = await matched(id);
    const again = await matchRequest(desk.base.db, id);
    await matchRequest(desk.base.db, id);
    assert.deepEqual(again, first.result);
    const counts = await desk.base.db.query<{ results: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM match_results WHERE request_id = $1) AS results,
              (SELECT count(*)::int FROM request_events WHERE request_id = $1 AND type = 'matched') AS events`,
      [id],
    );
    assert.deepEqual(counts, [{ results: 1, events: 1 }]);
  });

  it('when a second request comes for a licence with an open request, then it is linked and flagged duplicate_request', async () => {
    const p = await insertPurchase(desk.base.db, desk.base.config.secretKey);
    const first = await file(claimFor(p));
    await matched(first.id);
    const second = await file(claimFor(p));
    const m = await matched(second.id);
    assert.ok(m.result.flags.includes('duplicate_request'));
    assert.equal(m.result.duplicate_of, first.reference);
    const [r] = await desk.base.db.query<{ duplicate_of: number }>(
      'SELECT duplicate_of FROM recovery_requests WHERE id = $1',
      [second.id],
    );
    assert.equal(r!.duplicate_of, first.id);
  });

  it("when someone files with another person's licence, then conflict, and nothing of the purchase's code is stored", async () => {
    const p = await insertPurchase(desk.base.db, desk.base.config.secretKey);
    const { id } = await file(
      validRequest({
        email: 'someone.else@example.net',
        name: 'Carlos Fischer',
        license_number: p.license_number,
        order_number: 'R89677/0736',
        channel: 'retail_box',
        store: 'M.Video',
        country: 'RU',
        purchased_on: '2022-02-01',
      }),
    );
    const m = await matched(id);
    assert.equal(m.verdict, 'conflict');
    assert.ok(m.result.flags.includes('email_differs'));
  });

  it("when the purchase's code went out in the last 30 days, then repeat_recovery, and not for an older send", async () => {
    const p = await insertPurchase(desk.base.db, desk.base.config.secretKey);
    const first = await file(claimFor(p));
    await matched(first.id);
    /** Closes `closing` (so the next request is no duplicate) and records a code sent for `first`. */
    const closeAndSendCode = async (closing: number, daysAgo: number) => {
      await desk.base.db.query(`UPDATE recovery_requests SET status = 'resolved' WHERE id = $1`, [closing]);
      await desk.base.db.query(
        `INSERT INTO request_events (request_id, actor, type, data, created_at)
         VALUES ($1, 'tech@example.com', 'code_sent', '{}', now() - make_interval(days => $2))`,
        [first.id, daysAgo],
      );
    };
    await closeAndSendCode(first.id, 40);
    const second = await file(claimFor(p));
    const old = await matched(second.id);
    assert.ok(!old.result.flags.includes('repeat_recovery'), JSON.stringify(old.result.flags));
    assert.ok(!old.result.flags.includes('duplicate_request'));

    await closeAndSendCode(second.id, 2);
    const third = await file(claimFor(p));
    const recent = await matched(third.id);
    assert.ok(recent.result.flags.includes('repeat_recovery'), JSON.stringify(recent.result.flags));
  });

  it('when nothing matches, then none, with no purchase linked', async () => {
    const { id } = await file(
      validRequest({ license_number: '0000-000000-00000001', order_number: 'ES-1999-0000' }),
    );
    const m = await matched(id);
    assert.equal(m.verdict, 'none');
    assert.equal(m.purchase_id, null);
    assert.equal(m.result.purchase, null);
  });

  it('when one mailbox files many requests, then velocity is flagged', async () => {
    const email = `busy.${Date.now()}@example.com`;
    let last = 0;
    for (let i = 0; i < 3; i++) last = (await file(validRequest({ email }))).id;
    const m = await matched(last);
    assert.ok(m.result.flags.includes('velocity'));
  });
});
