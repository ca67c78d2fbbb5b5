import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { carryOutAuthorityCall } from '../src/decisions/licence-authority.service.ts';
import { createCodeCipher } from '../src/purchases/code-cipher.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { StandInAuthority } from './helpers/licence-authority.ts';
import { signIn } from './helpers/session.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  postApproval,
  postDecision,
  purchase,
  ticketRow,
  type FiledTicket,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import type { TestPurchase } from './helpers/purchases.ts';

// One desk and one stand-in authority for the file (README "Licence authority"): the desk's
// timeout is 300 ms and its first retry 50 ms (the stand-in's env()), so faults cost little time.
let authority: StandInAuthority;
let desk: TestDesk;
let technician: TestUser;
let supervisor: TestUser;
before(async () => {
  authority = await StandInAuthority.start();
  desk = await startDesk({
    env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', ...authority.env() },
  });
  technician = await createUserWithToken(desk.base.db, 'technician');
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
});
after(async () => {
  console.log(`# licence authority calls: ${JSON.stringify(authority.counts())}`);
  await desk.stop();
  await authority.stop();
});

async function storedCode(purchaseId: number): Promise<string> {
  const [row] = await desk.base.db.query<{ enc: string }>(
    'SELECT activation_code_enc AS enc FROM purchases WHERE id = $1',
    [purchaseId],
  );
  return createCodeCipher(desk.base.config.secretKey).decrypt(row!.enc);
}

async function calls(requestId: number) {
  return desk.base.db.query<{ id: number; kind: string; status: string; key: string; attempts: number }>(
    `SELECT id::int AS id, kind, status, idempotency_key::text AS key, attempts FROM authority_calls
      WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
}

function settled(requestId: number, kinds: string[]) {
  return waitFor(
    async () => {
      const rows = await calls(requestId);
      return kinds.every((k) => rows.some((r) => r.kind === k && r.status !== 'pending'));
    },
    15_000,
    `the ${kinds.join(' and ')} calls of request ${requestId} finished`,
  );
}

async function askReplacement(): Promise<{ p: TestPurchase; ticket: FiledTicket }> {
  const p = await purchase(desk);
  const ticket = await fileMatchedRequest(desk, p);
  const res = await postDecision(desk, technician.token, ticket.reference, {
    type: 'reissue',
    mode: 'replace',
  }).expect(202);
  assert.deepEqual(res.body, {
    reference: ticket.reference,
    status: 'pending_approval',
    decision: 'reissue',
    mode: 'replace',
    waiting_for: 'licence_authority',
  });
  return { p, ticket };
}

/**
 * What must hold once a replacement went through, however often it was tried: the authority's one
 * code stored and in exactly one email, the request resolved with one code_sent, the old code
 * revoked once and that revocation reported, every try of each call under one key.
 */
async function assertOneReplacement(p: TestPurchase, ticket: FiledTicket): Promise<void> {
  await settled(ticket.id, ['replacement', 'revocation']);
  const issued = authority.actedOn('/replacements', p.license_number) as { activation_code: string }[];
  assert.equal(issued.length, 1, 'the authority issued one code');
  const code = issued[0]!.activation_code;
  assert.equal(await storedCode(p.id), code, 'the stored code is the authority’s');
  const mails = await outcomeMails(desk, ticket.id, ticket.reference);
  assert.equal(mails.length, 1, 'one email');
  assert.ok(mails[0]!.parsed.text?.includes(code));
  assert.deepEqual(mails[0]!.to, [p.purchaser_email]);
  const row = await ticketRow(desk, ticket.id);
  assert.equal(row.status, 'resolved');
  assert.equal(row.types.filter((t) => t === 'code_sent').length, 1);
  assert.equal(row.types.filter((t) => t === 'replacement_requested').length, 1);
  const history = await desk.base.db.query<{ reason: string }>(
    'SELECT reason FROM activation_code_history WHERE purchase_id = $1',
    [p.id],
  );
  assert.deepEqual(history, [{ reason: 'replaced' }]);
  const rows = await calls(ticket.id);
  assert.deepEqual(
    rows.map((r) => [r.kind, r.status]),
    [
      ['replacement', 'done'],
      ['revocation', 'done'],
    ],
  );
  for (const [path, row] of [
    ['/replacements', rows[0]!],
    ['/revocations', rows[1]!],
  ] as const) {
    const tries = authority.callsTo(path, p.license_number);
    assert.ok(tries.length >= 1);
    assert.ok(
      tries.every((t) => t.key === row.key && t.signed),
      `${path}: one key, signed, on every try`,
    );
  }
  assert.equal(authority.actedOn('/revocations', p.license_number).length, 1, 'one revocation');
  assert.deepEqual(authority.callsTo('/revocations', p.license_number)[0]!.body, {
    license_number: p.license_number,
    reason: 'replaced',
    request_reference: ticket.reference,
    approval_id: null,
  });
}

describe('licence authority faults (README "Licence authority")', () => {
  it('when the authority is down (connection refused) and then comes up, then the request waits, says so, and gets one code and one email', async () => {
    await authority.down();
    const { p, ticket } = await askReplacement();
    const before = await storedCode(p.id);
    await waitFor(async () => (await calls(ticket.id))[0]!.attempts >= 2, 10_000, 'two failed tries');
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'pending_approval');
    assert.equal(await storedCode(p.id), before, 'no code of the desk’s own');
    assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 0);

    const staff = await signIn(desk.app, technician.user.email, technician.password);
    const page = await staff.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.match(page.text, /Waiting for the licensing system/);
    assert.match(page.text, /not reached: ECONNREFUSED/);

    await authority.up();
    await assertOneReplacement(p, ticket);
    assert.equal(authority.callsTo('/replacements', p.license_number)[0]!.body.reason, 'lost');
    const after = await staff.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.doesNotMatch(after.text, /Waiting for the licensing system/);
    assert.match(after.text, /a new code from the licensing system, the old one revoked/);
  });

  it('when the authority answers 500 and then 200 (and 500 once to the revocation), then one code, one email, one revocation', async () => {
    authority.fail('/replacements', { status: 500 }, { status: 503 });
    authority.fail('/revocations', { status: 500 });
    const { p, ticket } = await askReplacement();
    await assertOneReplacement(p, ticket);
    assert.equal(authority.callsTo('/replacements', p.license_number).length, 3);
    assert.equal(authority.callsTo('/revocations', p.license_number).length, 2);
  });

  it('when the authority answers only after the desk stopped waiting, then the retry gets the same code: one code stored, one email', async () => {
    authority.fail('/replacements', { delayMs: 800 });
    const { p, ticket } = await askReplacement();
    await assertOneReplacement(p, ticket);
    const tries = authority.callsTo('/replacements', p.license_number);
    assert.ok(tries.length >= 2, 'timed out, then retried');
    const [row] = await calls(ticket.id);
    assert.ok(row!.attempts >= 2);
  });

  it('when the job runs three times at once and the authority answers each (the same answer), then one code is stored and one email sent', async () => {
    authority.hold();
    const { p, ticket } = await askReplacement();
    await waitFor(
      () => authority.callsTo('/replacements', p.license_number).length === 1,
      10_000,
      'the job’s try',
    );
    const [call] = await calls(ticket.id);
    const deps = desk.workers!.deps;
    const runs = [carryOutAuthorityCall(deps, call!.id), carryOutAuthorityCall(deps, call!.id)];
    await waitFor(
      () => authority.callsTo('/replacements', p.license_number).length === 3,
      10_000,
      'three tries',
    );
    authority.release();
    const results = await Promise.all(runs);
    await assertOneReplacement(p, ticket);
    assert.ok(
      results.every((r) => r === 'code_stored' || r === 'already_finished'),
      results.join(),
    );
    assert.equal(await carryOutAuthorityCall(deps, call!.id), 'already_finished', 'a later run does nothing');
    assert.equal(authority.callsTo('/replacements', p.license_number).length, 3, 'and asks nothing');
  });

  it('when a refund is approved and the authority fails twice, then the refund is reported once, with the approval id, under one key across the retries', async () => {
    authority.fail('/refunds', { status: 503 }, { status: 429 });
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const proposed = await postDecision(desk, technician.token, ticket.reference, {
      type: 'refund',
      amount: '549.00',
    }).expect(202);
    const approvalId = proposed.body.approval_id as number;
    const approved = await postApproval(desk, supervisor.token, approvalId, 'approve').expect(200);
    assert.equal(approved.body.request_status, 'resolved', 'a refund does not wait for the authority');
    await settled(ticket.id, ['refund']);
    const tries = authority.callsTo('/refunds', p.license_number);
    assert.equal(tries.length, 3);
    assert.equal(new Set(tries.map((t) => t.key)).size, 1);
    assert.equal(authority.actedOn('/refunds', p.license_number).length, 1);
    assert.deepEqual(tries[0]!.body, {
      license_number: p.license_number,
      reason: 'refunded',
      request_reference: ticket.reference,
      approval_id: approvalId,
    });
    assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 1, 'one refund email');
  });

  it('when a supervisor approves a replaced code to another address, then the approval waits for the authority and the code goes to that address', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const proposed = await postDecision(desk, technician.token, ticket.reference, {
      type: 'reissue',
      mode: 'replace',
      to: 'new.home@example.org',
    }).expect(202);
    const approvalId = proposed.body.approval_id as number;
    const approved = await postApproval(desk, supervisor.token, approvalId, 'approve').expect(200);
    assert.equal(approved.body.request_status, 'pending_approval');
    await settled(ticket.id, ['replacement', 'revocation']);
    const [issued] = authority.actedOn('/replacements', p.license_number) as { activation_code: string }[];
    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    const withCode = mails.filter((m) => m.parsed.text?.includes(issued!.activation_code));
    assert.equal(withCode.length, 1);
    assert.deepEqual(withCode[0]!.to, ['new.home@example.org']);
    assert.equal(authority.callsTo('/replacements', p.license_number)[0]!.body.approval_id, approvalId);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'resolved');
  });

  it('when the authority refuses for good (422), then no code is sent, the request is back in triage with the reason in its history', async () => {
    authority.fail('/replacements', {
      status: 422,
      body: { error: 'licence unknown to the licensing system' },
    });
    const { p, ticket } = await askReplacement();
    const before = await storedCode(p.id);
    await settled(ticket.id, ['replacement']);
    const [call] = await calls(ticket.id);
    assert.equal(call!.status, 'refused');
    assert.equal(authority.callsTo('/replacements', p.license_number).length, 1, 'not retried');
    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'triage');
    assert.equal(row.claimed_by, technician.user.id, 'still the decider’s');
    assert.equal(row.types.at(-1), 'authority_refused');
    assert.equal(row.events.at(-1)!.data.error, '422: licence unknown to the licensing system');
    assert.equal(await storedCode(p.id), before);
    assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 0);
    const staff = await signIn(desk.app, technician.user.email, technician.password);
    const page = await staff.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.match(page.text, /refused the new code \(422: licence unknown to the licensing system\)/);
    // The decider is told, in the console and by email (the kind emails by default).
    const told = await desk.web.db.query<{ user_id: number }>(
      `SELECT user_id FROM notifications WHERE request_id = $1 AND kind = 'authority_refused'`,
      [ticket.id],
    );
    assert.deepEqual(
      told.map((t) => Number(t.user_id)),
      [technician.user.id],
    );
    const bell = await staff.agent.get('/desk/notifications').expect(200);
    assert.match(bell.text, new RegExp(`refused the new code for ${ticket.reference}: nothing was sent`));
  });

  it('when a technician resends the existing code, then the authority is not asked and the request resolves at once', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    await postDecision(desk, technician.token, ticket.reference, { type: 'reissue', mode: 'resend' }).expect(
      200,
    );
    assert.deepEqual(await calls(ticket.id), []);
    assert.equal(authority.callsTo('/replacements', p.license_number).length, 0);
  });
});
