import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestDesk } from './helpers/desk.ts';
import { postForm, signInAs } from './helpers/session.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

// SPEC §11 Assignment: a supervisor gives a request to a technician; bulk assign, release and
// reject on selected requests, each its own idempotent, audited action, answered per reference.

let desk: TestDesk;
let supervisor: TestUser;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
  alice = await createUserWithToken(desk.base.db, 'technician');
  bob = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

const api = (who: TestUser, path: string, body: unknown, key?: string) => {
  const req = request(desk.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${who.token}`);
  return (key ? req.set('Idempotency-Key', key) : req).send(body as object);
};
const holder = async (id: number) => {
  const [row] = await desk.base.db.query<{ email: string | null }>(
    'SELECT u.email FROM recovery_requests r LEFT JOIN users u ON u.id = r.claimed_by WHERE r.id = $1',
    [id],
  );
  return row?.email ?? null;
};

describe('assigning a request', () => {
  it('when a supervisor assigns a request Bob holds to Alice, then it is hers, and the history names all three', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await api(bob, `/tickets/${ticket.reference}/claim`, {}).expect(200);
    const res = await api(supervisor, `/tickets/${ticket.reference}/assign`, { to: alice.user.email }).expect(
      200,
    );
    assert.equal(res.body.claimed_by, alice.user.email);
    assert.equal(await holder(ticket.id), alice.user.email);
    const row = await ticketRow(desk, ticket.id);
    const event = row.events.at(-1)!;
    assert.deepEqual(
      { actor: event.actor, type: event.type, data: event.data },
      {
        actor: supervisor.user.email,
        type: 'assigned',
        data: { to: alice.user.email, from: bob.user.email },
      },
    );
    // Alice is told it is hers; Bob, that it was taken from him; the supervisor, nothing.
    const told = await desk.base.db.query<{ user_id: number; kind: string }>(
      'SELECT user_id, kind FROM notifications WHERE request_id = $1 ORDER BY id',
      [ticket.id],
    );
    assert.deepEqual(told, [
      { user_id: alice.user.id, kind: 'assigned' },
      { user_id: bob.user.id, kind: 'taken_over' },
    ]);
    // Again to the same person: nothing more happens.
    await api(supervisor, `/tickets/${ticket.reference}/assign`, { to: alice.user.email }).expect(200);
    assert.equal((await ticketRow(desk, ticket.id)).types.filter((t) => t === 'assigned').length, 1);
    const again = await desk.base.db.query('SELECT 1 FROM notifications WHERE request_id = $1', [ticket.id]);
    assert.equal(again.length, 2, 'no second notification');
  });

  it('when a technician assigns, or a supervisor assigns to no desk user or a closed request, then it is refused and nothing changes', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await api(alice, `/tickets/${ticket.reference}/assign`, { to: bob.user.email }).expect(403);
    const unknown = await api(supervisor, `/tickets/${ticket.reference}/assign`, {
      to: 'nobody@example.org',
    }).expect(422);
    assert.match(unknown.body.message, /No enabled desk user has the address nobody@example.org/);
    await api(supervisor, `/tickets/${ticket.reference}/assign`, { to: 'not an address' }).expect(422);
    assert.equal(await holder(ticket.id), null);
    await postDecision(desk, alice.token, ticket.reference, { type: 'reject', reason: 'duplicate' }).expect(
      200,
    );
    const closed = await api(supervisor, `/tickets/${ticket.reference}/assign`, {
      to: bob.user.email,
    }).expect(409);
    assert.match(closed.body.message, /is rejected: there is nothing left to assign/);
  });

  it("when a supervisor releases Bob's request, then it is back in the queue with Bob named; a technician may not", async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await api(bob, `/tickets/${ticket.reference}/claim`, {}).expect(200);
    await api(alice, `/tickets/${ticket.reference}/release`, {}).expect(409);
    assert.equal(await holder(ticket.id), bob.user.email);
    await api(supervisor, `/tickets/${ticket.reference}/release`, {}).expect(200);
    assert.equal(await holder(ticket.id), null);
    assert.deepEqual((await ticketRow(desk, ticket.id)).events.at(-1)!.data, { from: bob.user.email });
  });

  it('when a supervisor assigns on the request page, then the page says so; a technician sees no such form', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const lead = await signInAs(desk.app, desk.base.db, 'supervisor');
    const page = (await lead.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text;
    assert.ok(page.includes(`<option value="${alice.user.email}">`), 'Alice is offered');
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    assert.ok(
      !(await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text.includes('assign-to'),
    );
    await postForm(lead, `/desk/requests/${ticket.reference}/assign`, { to: alice.user.email }).expect(303);
    const after = (await lead.agent.get(`/desk/requests/${ticket.reference}`).expect(200)).text;
    assert.ok(after.includes(`Assigned to ${alice.user.email}`));
    assert.equal(await holder(ticket.id), alice.user.email);
    const refused = await postForm(tech, `/desk/requests/${ticket.reference}/assign`, { to: bob.user.email });
    assert.equal(refused.status, 403);
    assert.equal(await holder(ticket.id), alice.user.email);
  });
});

describe('bulk actions (POST /api/v1/tickets/bulk)', () => {
  it('when 3 requests are rejected in bulk and one is held by someone else and one does not exist, then each answers for itself, and a repeat with the same key acts no more', async () => {
    const a = await fileMatchedRequest(desk, await purchase(desk));
    const b = await fileMatchedRequest(desk, await purchase(desk));
    const held = await fileMatchedRequest(desk, await purchase(desk));
    await api(bob, `/tickets/${held.reference}/claim`, {}).expect(200);
    const body = {
      references: [a.reference, b.reference.toLowerCase(), held.reference, 'RD-ZZZZZZZZ', a.reference],
      action: { type: 'reject', reason: 'suspected_fraud' },
    };
    const res = await api(alice, '/tickets/bulk', body, 'bulk-1').expect(200);
    assert.equal(res.body.done, 2);
    assert.equal(res.body.refused, 2);
    const by = Object.fromEntries(
      (res.body.results as { reference: string; outcome: string; status: number; message: string }[]).map(
        (r) => [r.reference, r],
      ),
    );
    assert.equal(Object.keys(by).length, 4, 'the repeated reference acts once');
    assert.equal(by[a.reference]!.outcome, 'done');
    assert.equal(by[b.reference]!.outcome, 'done');
    assert.equal(by[held.reference]!.status, 409);
    assert.match(by[held.reference]!.message, new RegExp(`claimed by ${bob.user.email}`));
    assert.equal(by['RD-ZZZZZZZZ']!.status, 404);

    for (const t of [a, b]) {
      const row = await ticketRow(desk, t.id);
      assert.equal(row.status, 'rejected');
      assert.equal(row.types.filter((x) => x === 'rejected').length, 1);
      assert.equal(row.events.find((e) => e.type === 'rejected')!.actor, alice.user.email);
    }
    assert.equal((await ticketRow(desk, held.id)).status, 'triage');

    const again = await api(alice, '/tickets/bulk', body, 'bulk-1').expect(200);
    assert.equal(again.body.done, 2);
    for (const t of [a, b]) {
      assert.equal((await ticketRow(desk, t.id)).types.filter((x) => x === 'rejected').length, 1);
      assert.equal((await outcomeMails(desk, t.id, t.reference)).length, 1, 'one email, not two');
    }
  });

  it('when a supervisor assigns and then releases in bulk, then every open request follows; a technician may not assign in bulk', async () => {
    const refs = await Promise.all([1, 2, 3].map(async () => fileMatchedRequest(desk, await purchase(desk))));
    const references = refs.map((r) => r.reference);
    await api(alice, '/tickets/bulk', { references, action: { type: 'assign', to: bob.user.email } }).expect(
      403,
    );
    for (const r of refs) assert.equal(await holder(r.id), null);

    const res = await api(supervisor, '/tickets/bulk', {
      references,
      action: { type: 'assign', to: bob.user.email },
    }).expect(200);
    assert.equal(res.body.done, 3);
    for (const r of refs) assert.equal(await holder(r.id), bob.user.email);

    await api(supervisor, '/tickets/bulk', { references, action: { type: 'release' } }).expect(200);
    for (const r of refs) assert.equal(await holder(r.id), null);
  });

  it('when the body is not a bulk action, then 422 names the problem and nothing changes', async () => {
    const t = await fileMatchedRequest(desk, await purchase(desk));
    for (const [body, says] of [
      [{ references: [], action: { type: 'release' } }, /references: name at least one request/],
      [{ references: [t.reference], action: { type: 'refund' } }, /action/],
      [{ references: [t.reference], action: { type: 'reject', reason: 'bored' } }, /action.reason/],
      [{ references: Array(201).fill(t.reference), action: { type: 'release' } }, /at most 200/],
    ] as const) {
      const res = await api(supervisor, '/tickets/bulk', body).expect(422);
      assert.match(res.body.message, says);
    }
    assert.equal((await ticketRow(desk, t.id)).status, 'triage');
  });
});
