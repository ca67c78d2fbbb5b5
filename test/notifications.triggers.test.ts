import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { setUserDisabled } from '../src/auth/users.repository.ts';
import type { TestDesk } from './helpers/desk.ts';
import { postForm, signIn } from './helpers/session.ts';
import type { ReceivedMail } from './helpers/smtp.ts';
import {
  fileMatchedRequest,
  mailText,
  postApproval,
  postDecision,
  purchase,
  startDecisionDesk,
  type FiledTicket,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let tess: TestUser; // technician, proposes
let theo: TestUser; // technician, takes over
let sam: TestUser; // supervisor
let sara: TestUser; // supervisor
let ada: TestUser; // admin (ranks above supervisor: may approve, so is told too)
let gone: TestUser; // a disabled supervisor
before(async () => {
  desk = await startDecisionDesk();
  const db = desk.base.db;
  tess = await createUserWithToken(db, 'technician');
  theo = await createUserWithToken(db, 'technician');
  sam = await createUserWithToken(db, 'supervisor');
  sara = await createUserWithToken(db, 'supervisor');
  ada = await createUserWithToken(db, 'admin');
  gone = await createUserWithToken(db, 'supervisor');
  await setUserDisabled(db, gone.user.id, true);
});
after(() => desk.stop());

interface Told {
  user_id: number;
  kind: string;
  data: Record<string, unknown>;
}

/** Every notification about the request, oldest first. */
async function notificationsAbout(ticket: FiledTicket): Promise<Told[]> {
  return desk.base.db.query<Told>(
    'SELECT user_id, kind, data FROM notifications WHERE request_id = $1 ORDER BY id',
    [ticket.id],
  );
}

function told(rows: Told[], kind: string): number[] {
  return rows
    .filter((r) => r.kind === kind)
    .map((r) => Number(r.user_id))
    .sort((a, b) => a - b);
}

const ids = (...users: TestUser[]) => users.map((u) => u.user.id).sort((a, b) => a - b);

/** Waits until no email at all waits to leave, then what the sink got for `who` about the request. */
async function staffMails(who: TestUser, ticket: FiledTicket): Promise<ReceivedMail[]> {
  await waitFor(
    async () => {
      const [row] = await desk.base.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM emails WHERE status <> 'sent'`,
      );
      return row?.n === 0;
    },
    20_000,
    'every email sent',
  );
  return desk.smtp.received.filter(
    (m) => m.to.includes(who.user.email) && m.parsed.subject?.includes(ticket.reference),
  );
}

async function proposeRefund(by: TestUser, key?: string) {
  const p = await purchase(desk);
  const ticket = await fileMatchedRequest(desk, p);
  const res = await postDecision(desk, by.token, ticket.reference, { type: 'refund', amount: '549.00' }, key);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return { p, ticket, approvalId: res.body.approval_id as number };
}

describe('an approval waits', () => {
  it('when a technician proposes a refund twice with one Idempotency-Key, then every active supervisor and admin is told once, never the proposer, and each gets one email', async () => {
    const key = randomBytes(8).toString('hex');
    const { p, ticket, approvalId } = await proposeRefund(tess, key);
    const again = await postDecision(
      desk,
      tess.token,
      ticket.reference,
      { type: 'refund', amount: '549.00' },
      key,
    ).expect(202);
    assert.equal(again.body.approval_id, approvalId);

    const rows = await notificationsAbout(ticket);
    const supervisors = told(rows, 'approval_waiting');
    for (const someone of [sam, sara, ada])
      assert.ok(supervisors.includes(someone.user.id), someone.user.email);
    for (const never of [tess, theo, gone])
      assert.ok(!supervisors.includes(never.user.id), `${never.user.role} ${never.user.email}`);
    assert.equal(new Set(supervisors).size, supervisors.length, 'each supervisor once');
    assert.deepEqual(rows.find((r) => Number(r.user_id) === sam.user.id)!.data, {
      approvalId,
      approvalKind: 'refund',
      proposedBy: tess.user.email,
      amount: '549.00',
      currency: 'GBP',
    });

    const mails = await staffMails(sam, ticket);
    assert.equal(mails.length, 1, 'one email to a supervisor');
    const text = mailText(mails[0]!);
    assert.match(mails[0]!.parsed.subject!, /^Approval waits: a refund for RD-/);
    assert.ok(
      text.includes(`http://desk.test/desk/requests/${ticket.reference}`),
      'links to the request page',
    );
    assert.ok(text.includes(tess.user.email) && text.includes('549'), 'who proposed what');
    assert.ok(!text.includes(p.activation_code), 'never the code');
    assert.ok(!text.includes(ticket.email), "never the customer's address");
    assert.equal((await staffMails(tess, ticket)).length, 0, 'nothing to the proposer');
    assert.equal((await staffMails(gone, ticket)).length, 0, 'nothing to a disabled user');
  });

  it('when a supervisor proposes, then the other supervisors are told and they are not', async () => {
    const { ticket } = await proposeRefund(sam);
    const supervisors = told(await notificationsAbout(ticket), 'approval_waiting');
    assert.ok(!supervisors.includes(sam.user.id), 'not the proposer');
    assert.ok(supervisors.includes(sara.user.id) && supervisors.includes(ada.user.id));
  });

  it('when a code is proposed for another address, then supervisors are told without that address', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const elsewhere = `elsewhere.${randomBytes(3).toString('hex')}@example.net`;
    await postDecision(desk, tess.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
      to: elsewhere,
    }).expect(202);
    const rows = await notificationsAbout(ticket);
    assert.ok(told(rows, 'approval_waiting').includes(sara.user.id));
    assert.equal(rows[0]!.data.approvalKind, 'reissue_elsewhere');
    const [mail] = await staffMails(sara, ticket);
    assert.ok(mail, 'an email to the supervisor');
    assert.match(mail.parsed.subject!, /a code to another address/);
    assert.ok(!mailText(mail).includes(elsewhere), 'the address stays on the approvals page');
  });
});

describe('a proposal is decided', () => {
  it('when a supervisor approves, and approves again, then the proposer is told once (in the console only, by default)', async () => {
    const { ticket, approvalId } = await proposeRefund(tess);
    await postApproval(desk, sam.token, approvalId, 'approve').expect(200);
    await postApproval(desk, sara.token, approvalId, 'approve').expect(409);
    const rows = await notificationsAbout(ticket);
    assert.deepEqual(told(rows, 'proposal_approved'), ids(tess));
    const approved = rows.find((r) => r.kind === 'proposal_approved')!;
    assert.deepEqual(approved.data, { approvalId, approvalKind: 'refund', by: sam.user.email });
    assert.equal((await staffMails(tess, ticket)).length, 0, 'no email unless chosen');
  });

  it('when a supervisor turns it down twice, then the proposer is told once, by email too (the default)', async () => {
    const { ticket, approvalId } = await proposeRefund(tess);
    await postApproval(desk, sam.token, approvalId, 'reject').expect(200);
    await postApproval(desk, sam.token, approvalId, 'reject').expect(409);
    assert.deepEqual(told(await notificationsAbout(ticket), 'proposal_turned_down'), ids(tess));
    const mails = await staffMails(tess, ticket);
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.parsed.subject!, /^Turned down: your proposal for RD-/);
    assert.ok(mailText(mails[0]!).includes(sam.user.email));
  });

  it('when the proposer withdraws their own proposal, then nobody is told of it', async () => {
    const { ticket, approvalId } = await proposeRefund(tess);
    await postApproval(desk, tess.token, approvalId, 'reject').expect(200);
    assert.deepEqual(told(await notificationsAbout(ticket), 'proposal_turned_down'), []);
  });
});

/** A request `holder` asked a question on, and a link to its status page the customer answers at. */
async function questionAsked(holder: TestUser): Promise<FiledTicket> {
  const ticket = await fileMatchedRequest(desk, await purchase(desk));
  await postDecision(desk, holder.token, ticket.reference, {
    type: 'request_info',
    message: 'Which store was it?',
  }).expect(200);
  return ticket;
}

function answer(ticket: FiledTicket, message: string) {
  return request(desk.app)
    .post(`/requests/${ticket.reference}/reply?token=${ticket.token}`)
    .type('form')
    .send({ message });
}

describe('the customer answers', () => {
  it('when the customer answers a request someone holds, then its holder is told once, by email without the answer', async () => {
    const ticket = await questionAsked(tess);
    const secretWords = `It was the shop near the station ${randomBytes(4).toString('hex')}`;
    await answer(ticket, secretWords).expect(303);
    await answer(ticket, 'And again').expect(409);
    const rows = await notificationsAbout(ticket);
    assert.deepEqual(told(rows, 'customer_replied'), ids(tess));
    assert.deepEqual(rows.find((r) => r.kind === 'customer_replied')!.data, {});
    const mails = await staffMails(tess, ticket);
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.parsed.subject!, /^The customer answered RD-/);
    assert.ok(!mailText(mails[0]!).includes(secretWords), "never the customer's words");
  });

  it('when nobody holds the request, then nobody is told', async () => {
    const ticket = await questionAsked(tess);
    await request(desk.app)
      .post(`/api/v1/tickets/${ticket.reference}/release`)
      .set('Authorization', `Bearer ${tess.token}`)
      .send({})
      .expect(200);
    await answer(ticket, 'Here it is.').expect(303);
    assert.deepEqual(await notificationsAbout(ticket), []);
  });
});

function claim(who: TestUser, ticket: FiledTicket, takeover = false) {
  return request(desk.app)
    .post(`/api/v1/tickets/${ticket.reference}/claim`)
    .set('Authorization', `Bearer ${who.token}`)
    .send(takeover ? { takeover: true } : {});
}

/** A request held by a new technician who chose, on the console's form, email for take-overs. */
async function heldByOneWhoChoseEmail(): Promise<{ holder: TestUser; ticket: FiledTicket }> {
  const holder = await createUserWithToken(desk.base.db, 'technician');
  const session = await signIn(desk.app, holder.user.email, holder.password);
  await postForm(session, '/desk/notifications/preferences', { email_taken_over: 'email' }).expect(303);
  const ticket = await fileMatchedRequest(desk, await purchase(desk));
  await claim(holder, ticket).expect(200);
  return { holder, ticket };
}

describe('a request is taken over', () => {
  it('when a colleague takes over a held request, then the previous holder is told (console only by default), not the colleague', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await claim(tess, ticket).expect(200);
    await claim(theo, ticket).expect(409);
    await claim(theo, ticket, true).expect(200);
    await claim(theo, ticket, true).expect(200); // theirs already: changes nothing
    const rows = await notificationsAbout(ticket);
    assert.deepEqual(told(rows, 'taken_over'), ids(tess));
    assert.deepEqual(rows[0]!.data, { by: theo.user.email });
    assert.equal((await staffMails(tess, ticket)).length, 0);
  });

  it('when the holder chose email for it in the console, then the email arrives too, once', async () => {
    const { holder, ticket } = await heldByOneWhoChoseEmail();
    await claim(theo, ticket, true).expect(200);
    const mails = await staffMails(holder, ticket);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.parsed.subject, `${theo.user.email} took over ${ticket.reference}`);
    assert.ok(mailText(mails[0]!).includes('http://desk.test/desk/notifications#preferences'));
  });

  it('when the SMTP server refuses the first try, then the retried job still delivers one email', async () => {
    const { holder, ticket } = await heldByOneWhoChoseEmail();
    await staffMails(holder, ticket); // the acknowledgement has left: the next message is ours
    const attempts = desk.smtp.attempts;
    desk.smtp.refuse(1, 451, 'Try again later');
    await claim(theo, ticket, true).expect(200);
    const mails = await staffMails(holder, ticket);
    assert.equal(mails.length, 1, 'one email');
    assert.ok(desk.smtp.attempts >= attempts + 2, 'it was tried again after the refusal');
  });
});

describe('a request is assigned', () => {
  it('when a supervisor assigns a request to a technician, then the assignee is told once, by email too (the default), and the supervisor is not', async () => {
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    const assign = () =>
      request(desk.app)
        .post(`/api/v1/tickets/${ticket.reference}/assign`)
        .set('Authorization', `Bearer ${sam.token}`)
        .send({ to: theo.user.email });
    await assign().expect(200);
    await assign().expect(200); // theirs already: changes nothing
    const rows = await notificationsAbout(ticket);
    assert.deepEqual(told(rows, 'assigned'), ids(theo));
    assert.deepEqual(rows.find((r) => r.kind === 'assigned')!.data, { by: sam.user.email });
    const mails = await staffMails(theo, ticket);
    assert.equal(mails.length, 1, 'one email to the assignee');
    assert.equal(mails[0]!.parsed.subject, `Assigned to you: ${ticket.reference}`);
    assert.ok(mailText(mails[0]!).includes(`http://desk.test/desk/requests/${ticket.reference}`));
    assert.equal((await staffMails(sam, ticket)).length, 0, 'nothing to the supervisor who assigned');
  });
});
