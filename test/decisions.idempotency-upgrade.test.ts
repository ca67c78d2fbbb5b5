/**
 * Idempotency-Keys saved before migration 0016 kept the HTTP answer (status and body); now they
 * keep the decision's outcome. A key used before the upgrade and repeated after it must still get
 * the first answer, to the letter, and act no more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../src/db/migrate.ts';
import type { TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let technician: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

/** decision_keys as migration 0007 made it, each key holding the answer it was given. */
async function backToTheOldLayout(answers: Map<string, { status: number; body: unknown }>) {
  const db = desk.base.db;
  await db.query('ALTER TABLE decision_keys ADD COLUMN http_status integer');
  await db.query('ALTER TABLE decision_keys ADD COLUMN response jsonb');
  for (const [key, answer] of answers)
    await db.query('UPDATE decision_keys SET http_status = $2, response = $3 WHERE key = $1', [
      key,
      answer.status,
      JSON.stringify(answer.body),
    ]);
  await db.query('ALTER TABLE decision_keys DROP COLUMN outcome');
  await db.query(`DELETE FROM schema_migrations WHERE name = '0016_decision_key_outcomes'`);
}

describe('Idempotency-Keys across the upgrade to saved outcomes', () => {
  it('when each kind of decision is repeated with a key saved before migration 0016, then the first answer comes back and nothing acts again', async () => {
    const decisions = [
      ['old-reissue', { type: 'reissue', mode: 'replace' }],
      ['old-elsewhere', { type: 'reissue', mode: 'resend', to: 'someone.else@example.org' }],
      ['old-refund', { type: 'refund', amount: '549.00' }],
      ['old-question', { type: 'request_info', message: 'Which shop was it?' }],
      ['old-reject', { type: 'reject', reason: 'license_expired' }],
    ] as const;
    const answers = new Map<string, { status: number; body: unknown }>();
    const tickets = new Map<string, number>();
    for (const [key, body] of decisions) {
      const ticket = await fileMatchedRequest(desk, await purchase(desk));
      const res = await postDecision(desk, technician.token, ticket.reference, body, key);
      assert.ok(res.status === 200 || res.status === 202, `${key}: ${res.status} ${res.text}`);
      answers.set(key, { status: res.status, body: res.body });
      tickets.set(key, ticket.id);
    }

    await backToTheOldLayout(answers);
    assert.deepEqual(await migrate(desk.base.db), ['0016_decision_key_outcomes']);

    for (const [key, body] of decisions) {
      const { reference } = answers.get(key)!.body as { reference: string };
      const events = (await ticketRow(desk, tickets.get(key)!)).types.length;
      const again = await postDecision(desk, technician.token, reference, body, key);
      assert.equal(again.status, answers.get(key)!.status, key);
      assert.equal(JSON.stringify(again.body), JSON.stringify(answers.get(key)!.body), key);
      assert.equal((await ticketRow(desk, tickets.get(key)!)).types.length, events, `${key} acted again`);
    }
  });
});
