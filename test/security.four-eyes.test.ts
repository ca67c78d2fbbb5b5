/**
 * Four eyes means two people (README "Security"; issue 11, finding 1). The review's attack: an admin
 * proposes sending a code to their own address over the API, makes an API token for a
 * supervisor in the console, and approves their own proposal with it. Now nobody can make a
 * token for someone else, and an approval refuses a credential its proposer created.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn, postForm } from './helpers/session.ts';
import {
  fileMatchedRequest,
  getTicket,
  outcomeMails,
  postApproval,
  postDecision,
  purchase,
  startDecisionDesk,
  type FiledTicket,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let admin: SignedIn & TestUser;
let supervisor: SignedIn & TestUser;
before(async () => {
  desk = await startDecisionDesk();
  admin = await signInAs(desk.app, desk.base.db, 'admin');
  supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
});
after(() => desk.stop());

const post = postForm;

/** A matched request, and a proposal by `proposer` to send its code to `to`: pending approval. */
async function proposeSendElsewhere(
  proposer: TestUser,
  to: string,
): Promise<{ ticket: FiledTicket; id: number }> {
  const ticket = await fileMatchedRequest(desk, await purchase(desk), { email: to });
  const proposed = await postDecision(desk, proposer.token, ticket.reference, {
    type: 'reissue',
    mode: 'resend',
    to,
  }).expect(202);
  assert.equal(proposed.body.status, 'pending_approval');
  return { ticket, id: proposed.body.approval_id as number };
}

async function approvalRow(id: number) {
  const [row] = await desk.base.db.query<{
    status: string;
    decided_by: number | null;
    decided_with_kind: string | null;
    decided_with: string | null;
  }>('SELECT status, decided_by, decided_with_kind, decided_with FROM approvals WHERE id = $1', [id]);
  return row!;
}

/** Gives `owner` a token as if `creator` had made it: what the old admin route did, and old rows hold. */
async function tokenMadeBy(owner: TestUser, creator: number | null): Promise<string> {
  const token = `rdt_${randomBytes(32).toString('base64url')}`;
  await desk.base.db.query(
    `INSERT INTO api_tokens (user_id, token_hash, label, created_by, created_via, expires_at)
     VALUES ($1, $2, 'planted', $3, $4, now() + interval '90 days')`,
    [
      owner.user.id,
      createHash('sha256').update(token).digest('hex'),
      creator,
      creator ? 'console' : 'unknown',
    ],
  );
  return token;
}

describe('finding 1: one admin cannot pass four eyes alone', () => {
  it('finding 1: when an admin proposes a send to their own address over the API and then tries to make a supervisor’s token and approve with it, then the approval ends 403 and no email is sent', async () => {
    const { ticket, id } = await proposeSendElsewhere(admin, 'admin.own@example.net');

    // The old console route made a token for any user; whatever it answers now, try it as an attacker would.
    const made = await post(admin, `/desk/admin/users/${supervisor.user.id}/tokens`, { label: 'mine now' });
    const stolen = /(rdt_[\w-]{43})/.exec(made.text)?.[1];
    const approved = await postApproval(desk, stolen ?? admin.token, id, 'approve');

    assert.equal(approved.status, 403, JSON.stringify(approved.body));
    assert.equal((await approvalRow(id)).status, 'pending');
    assert.deepEqual(await outcomeMails(desk, ticket.id, ticket.reference), [], 'no email');
    assert.equal(made.status, 404, 'no route makes a token for someone else');
    assert.equal(stolen, undefined);
  });

  it('finding 1: when the admin’s console offers token creation, then only for themselves: the users page has no such form and the admin’s own “My tokens” makes a token of their own', async () => {
    const users = await admin.agent.get('/desk/admin/users').expect(200);
    assert.doesNotMatch(users.text, /\/desk\/admin\/users\/\d+\/tokens/);
    const mine = await post(admin, '/desk/tokens', { label: 'admin laptop' }).expect(201);
    const token = /(rdt_[\w-]{43})/.exec(mine.text)![1]!;
    const [row] = await desk.base.db.query<{ user_id: number; created_by: number; created_via: string }>(
      'SELECT user_id, created_by, created_via FROM api_tokens WHERE label = $1',
      ['admin laptop'],
    );
    assert.deepEqual(
      { ...row, user_id: Number(row!.user_id), created_by: Number(row!.created_by) },
      {
        user_id: admin.user.id,
        created_by: admin.user.id,
        created_via: 'console',
      },
    );
    await getTicket(desk, token, 'RD-00000000').expect(404);
  });

  it('finding 1: when a supervisor approves with a token the proposer created, then 403, nothing is sent, and the approval still waits', async () => {
    const proposer = await createUserWithToken(desk.base.db, 'technician');
    const { ticket, id } = await proposeSendElsewhere(proposer, 'elsewhere.1@example.net');
    const planted = await tokenMadeBy(supervisor, proposer.user.id);

    const res = await postApproval(desk, planted, id, 'approve');
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.match(res.body.message, /created by the person who proposed this/);
    assert.equal((await approvalRow(id)).status, 'pending');
    assert.deepEqual(await outcomeMails(desk, ticket.id, ticket.reference), []);
  });

  it('finding 1: when a supervisor approves with a token whose creator was never recorded (made before), then 403 asking for a token of their own', async () => {
    const proposer = await createUserWithToken(desk.base.db, 'technician');
    const { id } = await proposeSendElsewhere(proposer, 'elsewhere.2@example.net');
    const old = await tokenMadeBy(supervisor, null);
    const res = await postApproval(desk, old, id, 'approve');
    assert.equal(res.status, 403);
    assert.match(res.body.message, /Create a token of your own under My tokens/);
    assert.equal((await approvalRow(id)).status, 'pending');
  });

  it('finding 1: when a supervisor approves with their own token, then the code is sent and the approval row records that token as the credential; history names the supervisor', async () => {
    const proposer = await createUserWithToken(desk.base.db, 'technician');
    const { ticket, id } = await proposeSendElsewhere(proposer, 'elsewhere.3@example.net');
    await postApproval(desk, supervisor.token, id, 'approve').expect(200);

    const row = await approvalRow(id);
    assert.equal(row.status, 'approved');
    assert.equal(Number(row.decided_by), supervisor.user.id);
    assert.equal(row.decided_with_kind, 'token');
    assert.equal(row.decided_with, String(supervisor.tokenId));
    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.ok(
      mails.some((m) => m.to[0] === 'elsewhere.3@example.net'),
      'the code went to the approved address',
    );
    const view = await getTicket(desk, supervisor.token, ticket.reference).expect(200);
    const approvals = view.body.approvals as { id: number; decided_by: string }[];
    assert.equal(approvals.find((a) => Number(a.id) === id)?.decided_by, supervisor.user.email);
  });

  it('finding 1: when a supervisor approves in the console, then the row records their session (as a SHA-256 of its id, never the id)', async () => {
    const proposer = await createUserWithToken(desk.base.db, 'technician');
    const { id } = await proposeSendElsewhere(proposer, 'elsewhere.4@example.net');
    await post(supervisor, `/desk/approvals/${id}/approve`).expect(303);

    const row = await approvalRow(id);
    assert.equal(row.status, 'approved');
    assert.equal(row.decided_with_kind, 'session');
    const prefix = `${desk.web.queues.prefix}:sess:`;
    const sessions = await desk.web.redis.keys(`${prefix}*`);
    const ownSessions: string[] = [];
    for (const key of sessions) {
      const stored = JSON.parse((await desk.web.redis.get(key)) ?? '{}') as { userId?: number };
      if (stored.userId === supervisor.user.id) ownSessions.push(key.slice(prefix.length));
    }
    const hashes = ownSessions.map((sid) => createHash('sha256').update(sid).digest('hex'));
    assert.ok(hashes.includes(row.decided_with!), 'the fingerprint of the supervisor’s session');
    assert.ok(!ownSessions.includes(row.decided_with!), 'not the session id itself');
  });

  it('finding 1: when the proposer approves their own proposal, with any credential of theirs, then 403 as before', async () => {
    const proposer = await signInAs(desk.app, desk.base.db, 'supervisor');
    const { id } = await proposeSendElsewhere(proposer, 'elsewhere.5@example.net');
    await postApproval(desk, proposer.token, id, 'approve').expect(403);
    const page = await post(proposer, `/desk/approvals/${id}/approve`);
    assert.equal(page.status, 403);
    assert.equal((await approvalRow(id)).status, 'pending');
  });
});
