/**
 * The queue's order and its Due column follow the deadline that applies next: the first response
 * while a request is unanswered, then the resolution; requests waiting on the customer (their clock
 * stands still) after those whose clock runs, and closed ones last. The API's cursor walks that
 * order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let tech: TestUser;
const rows: Record<string, { reference: string; id: number }> = {};

/** Files a request through the API (no workers: it stays `received` until set below). */
async function file(name: string, set: string) {
  const res = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
  const [row] = await desk.base.db.query<{ id: number }>(
    `UPDATE recovery_requests SET ${set} WHERE reference = $1 RETURNING id`,
    [res.body.reference],
  );
  rows[name] = { reference: res.body.reference as string, id: row!.id };
}

interface Item {
  reference: string;
  overdue: boolean;
  due_at: string | null;
}
const list = (query: Record<string, string>) =>
  request(desk.app).get('/api/v1/tickets').query(query).set('Authorization', `Bearer ${tech.token}`);

before(async () => {
  desk = await startDesk({ workers: false, env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  tech = await createUserWithToken(desk.base.db, 'technician');
  // Filed in an order unlike the order they are due in.
  await file(
    'closed',
    `status = 'resolved', closed_at = now(), first_responded_at = now(),
    resolution_due_at = now() - interval '5 days'`,
  );
  await file(
    'answered',
    `status = 'triage', first_responded_at = now(),
    first_response_due_at = now() - interval '2 days', resolution_due_at = now() + interval '3 days'`,
  );
  await file(
    'paused',
    `status = 'waiting_on_customer', paused_since = now(), first_responded_at = now(),
    resolution_due_at = now() - interval '1 day'`,
  );
  await file(
    'missed',
    `status = 'triage', first_response_due_at = now() - interval '60 minutes',
    resolution_due_at = now() + interval '3 days'`,
  );
  await file(
    'soon',
    `status = 'triage', first_response_due_at = now() + interval '2 hours',
    resolution_due_at = now() + interval '1 day'`,
  );
});
after(() => desk.stop());

describe('the queue’s order by the deadline that applies next', () => {
  it('when a first response is missed, then the request is overdue and first, due at its first-response time', async () => {
    const res = await list({}).expect(200);
    const items = res.body.items as Item[];
    assert.deepEqual(
      items.map((i) => i.reference),
      ['missed', 'soon', 'answered', 'paused'].map((n) => rows[n]!.reference),
    );
    const missed = items[0]!;
    assert.equal(missed.overdue, true);
    const [db] = await desk.base.db.query<{ first_response_due_at: Date }>(
      'SELECT first_response_due_at FROM recovery_requests WHERE id = $1',
      [rows.missed!.id],
    );
    assert.equal(new Date(missed.due_at!).getTime(), db!.first_response_due_at.getTime());
    assert.equal(items[2]!.overdue, false, 'an answered request past its first response is not overdue');
  });

  it('when paged one at a time over every status, then the cursor walks each request once, closed ones last', async () => {
    const seen: string[] = [];
    const dues: (string | null)[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { status: 'all', limit: '1', ...(cursor ? { cursor } : {}) };
      const res = await list(query).expect(200);
      for (const item of res.body.items as Item[]) {
        seen.push(item.reference);
        dues.push(item.due_at);
      }
      cursor = res.body.next_cursor as string | null;
    } while (cursor);
    assert.deepEqual(
      seen,
      ['missed', 'soon', 'answered', 'paused', 'closed'].map((n) => rows[n]!.reference),
    );
    assert.equal(dues.at(-1), null, 'a closed request has no deadline');
  });

  it('when filtered to overdue, then only requests past the deadline that applies are listed', async () => {
    const res = await list({ overdue: 'true', status: 'all' }).expect(200);
    assert.deepEqual(
      (res.body.items as Item[]).map((i) => i.reference),
      [rows.missed!.reference],
    );
  });

  it('when a cursor of the old shape is sent, then 400 names the cursor', async () => {
    const old = Buffer.from(JSON.stringify(['2026-01-01 00:00:00+00', 1])).toString('base64url');
    const res = await list({ cursor: old }).expect(400);
    assert.match(res.body.message, /cursor/);
  });
});
