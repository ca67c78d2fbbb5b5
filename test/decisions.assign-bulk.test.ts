import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
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

describe("the queue page's bulk form (POST /desk/bulk)", () => {
  /** Posts the form as the page sends it: `ref` once for each ticked row. */
  const postBulk = (who: SignedIn, refs: string[], fields: Record<string, string>) => {
    const body = new URLSearchParams([
      ['_csrf', who.csrfToken],
      ...refs.map((r) => ['ref', r]),
      ...Object.entries(fields),
    ]);
    return who.agent.post('/desk/bulk').type('form').send(body.toString());
  };
  const keyOf = (html: string) => /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;

  it('when a technician ticks three rows and rejects them, then two are rejected, the one Bob holds is listed with its rule, and sending the same form again acts no more', async () => {
    const a = await fileMatchedRequest(desk, await purchase(desk));
    const b = await fileMatchedRequest(desk, await purchase(desk));
    const held = await fileMatchedRequest(desk, await purchase(desk));
    await api(bob, `/tickets/${held.reference}/claim`, {}).expect(200);
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const page = (await tech.agent.get('/desk?sort=created&order=desc').expect(200)).text;
    assert.ok(page.includes(`name="ref" value="${a.reference}" form="bulk"`), 'each row has its tick box');
    assert.ok(!page.includes('value="assign"'), 'a technician is not offered assignment');
    const form = {
      action: 'reject',
      reason: 'suspected_fraud',
      idempotency_key: keyOf(page),
      back: 'sort=created&order=desc',
    };
    const res = await postBulk(tech, [a.reference, b.reference, held.reference], form).expect(303);
    assert.equal(res.headers.location, '/desk?sort=created&order=desc');
    const after = (await tech.agent.get(res.headers.location).expect(200)).text;
    assert.ok(after.includes('Rejected 2 requests; each customer is emailed. 1 request refused:'), after);
    assert.match(after, new RegExp(`<li>${held.reference}: [^<]*claimed by ${bob.user.email}`));
    for (const t of [a, b]) assert.equal((await ticketRow(desk, t.id)).status, 'rejected');
    assert.equal((await ticketRow(desk, held.id)).status, 'triage');

    // The same form sent twice (a double click, a reload that posts again): one rejection each.
    await postBulk(tech, [a.reference, b.reference], form).expect(303);
    for (const t of [a, b]) {
      assert.equal((await ticketRow(desk, t.id)).types.filter((x) => x === 'rejected').length, 1);
      assert.equal((await outcomeMails(desk, t.id, t.reference)).length, 1, 'one email, not two');
    }
  });

  it('when the form cannot act (nothing ticked, no reason, a technician assigning, a stale page), then the queue says why, keeps the ticks, and nothing changes', async () => {
    const t = await fileMatchedRequest(desk, await purchase(desk));
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const key = keyOf((await tech.agent.get('/desk').expect(200)).text);
    for (const [refs, fields, status, says] of [
      [[], { action: 'release' }, 422, 'Tick at least one request first.'],
      [[t.reference], {}, 422, 'Choose what to do with the ticked requests.'],
      [[t.reference], { action: 'reject' }, 422, 'Choose a reason for rejecting: the customers are told it.'],
      [
        [t.reference],
        { action: 'assign', to: bob.user.email },
        403,
        'Only a supervisor may assign requests.',
      ],
    ] as const) {
      const res = await postBulk(tech, [...refs], { ...fields, idempotency_key: key }).expect(status);
      assert.ok(res.text.includes(`<p class="error" id="bulk-error" role="alert">${says}</p>`), res.text);
      if (refs.length > 0)
        assert.ok(
          res.text.includes(`value="${t.reference}" form="bulk" aria-label="Tick ${t.reference}" checked`),
        );
    }
    const stale = await postBulk(tech, [t.reference], { action: 'release' }).expect(422);
    assert.match(stale.text, /This form is incomplete or out of date: reload the page\./);
    const row = await ticketRow(desk, t.id);
    assert.equal(row.status, 'triage');
    assert.equal(await holder(t.id), null);
  });

  it('when a supervisor ticks two rows and assigns them to Alice, then both are hers and the queue it came from is shown', async () => {
    const refs = await Promise.all([1, 2].map(async () => fileMatchedRequest(desk, await purchase(desk))));
    const lead = await signInAs(desk.app, desk.base.db, 'supervisor');
    const page = (await lead.agent.get('/desk').expect(200)).text;
    assert.ok(page.includes(`<option value="${alice.user.email}">`), 'Alice is offered');
    const res = await postBulk(
      lead,
      refs.map((r) => r.reference),
      { action: 'assign', to: alice.user.email, idempotency_key: keyOf(page), back: 'status=nonsense' },
    ).expect(303);
    assert.equal(res.headers.location, '/desk', 'a queue that is not one goes back to the default');
    for (const r of refs) assert.equal(await holder(r.id), alice.user.email);
    const after = (await lead.agent.get('/desk').expect(200)).text;
    assert.ok(after.includes(`Assigned 2 requests to ${alice.user.email}; they are notified.`));
  });
});
