import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  getTicket,
  mailText,
  outcomeMails,
  postApproval,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  alice = await createUserWithToken(desk.base.db, 'technician');
  bob = await createUserWithToken(desk.base.db, 'technician');
  carol = await createUserWithToken(desk.base.db, 'supervisor');
  dave = await createUserWithToken(desk.base.db, 'supervisor');
});
after(() => desk.stop());

const RESEND = { type: 'reissue', mode: 'resend' };

function claim(user: TestUser, reference: string, body: Record<string, unknown> = {}) {
  return request(desk.app)
    .post(`/api/v1/tickets/${reference}/claim`)
    .set('Authorization', `Bearer ${user.token}`)
    .send(body);
}

function release(user: TestUser, reference: string) {
  return request(desk.app)
    .post(`/api/v1/tickets/${reference}/release`)
    .set('Authorization', `Bearer ${user.token}`);
}

async function codeMails(reference: string, id: number, code: string) {
  const mails = await outcomeMails(desk, id, reference);
  return mails.filter((m) => mailText(m).includes(code));
}

describe('claims', () => {
  it('when one technician holds a request, then another gets 409 naming the holder, until taking it over; every step is in the history', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const mine = await claim(alice, ticket.reference).expect(200);
    assert.equal(mine.body.claimed_by, alice.user.email);
    await claim(alice, ticket.reference).expect(200);

    const taken = await claim(bob, ticket.reference).expect(409);
    assert.ok(String(taken.body.message).includes(alice.user.email));
    const decided = await postDecision(desk, bob.token, ticket.reference, RESEND).expect(409);
    assert.match(decided.body.message, /claim it first/);
    await release(bob, ticket.reference).expect(409);

    const over = await claim(bob, ticket.reference, { takeover: true }).expect(200);
    assert.equal(over.body.claimed_by, bob.user.email);
    const view = await getTicket(desk, alice.token, ticket.reference).expect(200);
    assert.equal(view.body.claim.by, bob.user.email);

    await release(bob, ticket.reference).expect(200);
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.claimed_by, null);
    assert.deepEqual(
      row.events
        .filter((e) => e.type !== 'received' && e.type !== 'matched')
        .map((e) => [e.actor, e.type, e.data]),
      [
        [alice.user.email, 'claimed', {}],
        [bob.user.email, 'taken_over', { from: alice.user.email }],
        [bob.user.email, 'released', {}],
      ],
    );
  });

  it('when the request is closed, then it cannot be claimed; a bad claim body is 422', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    await claim(alice, ticket.reference, { takeover: 'yes' }).expect(422);
    await postDecision(desk, alice.token, ticket.reference, { type: 'reject', reason: 'duplicate' }).expect(
      200,
    );
    await claim(bob, ticket.reference, { takeover: true }).expect(409);
  });
});

describe('acting once', () => {
  it('when a decision is repeated with the same Idempotency-Key, then the first answer comes back and the code is sent once', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const first = await postDecision(desk, alice.token, ticket.reference, RESEND, 'click-1').expect(200);
    const again = await postDecision(desk, alice.token, ticket.reference, RESEND, 'click-1').expect(200);
    assert.deepEqual(again.body, first.body);
    await postDecision(
      desk,
      alice.token,
      ticket.reference,
      { type: 'reissue', mode: 'replace' },
      'click-1',
    ).expect(422);

    assert.equal((await codeMails(ticket.reference, ticket.id, p.activation_code)).length, 1);
    assert.equal((await ticketRow(desk, ticket.id)).types.filter((t) => t === 'code_sent').length, 1);
  });

  it('when two requests with the same Idempotency-Key arrive at once, then both get the one answer and it acts once', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const [a, b] = await Promise.all([
      postDecision(desk, alice.token, ticket.reference, RESEND, 'same-key'),
      postDecision(desk, alice.token, ticket.reference, RESEND, 'same-key'),
    ]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.deepEqual(a.body, b.body);
    assert.equal((await codeMails(ticket.reference, ticket.id, p.activation_code)).length, 1);
  });

  it('when one technician double-clicks without a key, then one acts and the other answers 409', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const answers = await Promise.all([
      postDecision(desk, alice.token, ticket.reference, RESEND),
      postDecision(desk, alice.token, ticket.reference, RESEND),
    ]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    assert.equal((await codeMails(ticket.reference, ticket.id, p.activation_code)).length, 1);
  });

  it('when two technicians decide at once on an unclaimed request, then one acts and the other answers 409', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const answers = await Promise.all([
      postDecision(desk, alice.token, ticket.reference, { type: 'reissue', mode: 'replace' }),
      postDecision(desk, bob.token, ticket.reference, { type: 'reissue', mode: 'replace' }),
    ]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 1, 'one email');
    const history = await desk.base.db.query('SELECT 1 FROM activation_code_history WHERE purchase_id = $1', [
      p.id,
    ]);
    assert.equal(history.length, 1, 'one replacement');
  });

  it('when two supervisors approve one refund at once, then it is refunded once and one email goes out', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const proposed = await postDecision(desk, alice.token, ticket.reference, {
      type: 'refund',
      amount: '549.00',
    }).expect(202);
    const answers = await Promise.all([
      postApproval(desk, carol.token, proposed.body.approval_id, 'approve'),
      postApproval(desk, dave.token, proposed.body.approval_id, 'approve'),
    ]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 1);
    const revoked = await desk.base.db.query('SELECT 1 FROM activation_code_history WHERE purchase_id = $1', [
      p.id,
    ]);
    assert.equal(revoked.length, 1);
  });
});
