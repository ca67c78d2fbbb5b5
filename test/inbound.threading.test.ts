import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { processInbound } from '../src/inbound/inbound.service.ts';
import { storeInbound } from '../src/inbound/inbound.repository.ts';
import { markSent } from '../src/mail/mail.repository.ts';
import { enqueueInTransaction } from '../src/outbox/outbox.relay.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import {
  deliveredEmail,
  deliver,
  eml,
  INBOUND_DOMAIN,
  processedRow,
  replyAddressFor,
} from './helpers/inbound.ts';
import { fileMatchedRequest, postDecision, purchase, type FiledTicket } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let tess: TestUser;

const env = { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', INBOUND_DOMAIN };

before(async () => {
  desk = await startDesk({ env });
  tess = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

async function events(requestId: number) {
  return desk.base.db.query<{ type: string; data: Record<string, unknown> }>(
    'SELECT type, data FROM request_events WHERE request_id = $1 ORDER BY id',
    [requestId],
  );
}

async function matchedAt(requestId: number): Promise<number> {
  const [row] = await desk.base.db.query<{ matched_at: Date }>(
    'SELECT matched_at FROM match_results WHERE request_id = $1',
    [requestId],
  );
  return row!.matched_at.getTime();
}

async function requestRow(id: number) {
  const [row] = await desk.base.db.query<{ status: string; follow_up_of: number | null; reference: string }>(
    'SELECT status, follow_up_of::int AS follow_up_of, reference FROM recovery_requests WHERE id = $1',
    [id],
  );
  return row!;
}

/** A reply from the requester to the request's reply address. */
async function replyTo(ticket: FiledTicket, text: string, headers: string[] = []) {
  const to = await replyAddressFor(desk.base.db, ticket.id);
  return { raw: eml({ from: `Customer <${ticket.email}>`, to, text, headers }), to };
}

async function filed(): Promise<FiledTicket> {
  return fileMatchedRequest(desk, await purchase(desk));
}

describe('a reply with a valid reply address', () => {
  it('when the request waits on the customer, then the reply is the answer: history, back to triage, matching again', async () => {
    const ticket = await filed();
    await postDecision(desk, tess.token, ticket.reference, {
      type: 'request_info',
      message: 'Which store?',
    }).expect(200);
    const matchedBefore = await matchedAt(ticket.id);
    const { raw, to } = await replyTo(
      ticket,
      'It was the station shop.\n\nOn Mon, Tess wrote:\n> Which store?',
    );
    const done = await deliver(desk, raw, [to]);
    assert.equal(done.outcome, 'answer');
    assert.equal(done.request_id, ticket.id);
    assert.equal((await requestRow(ticket.id)).status, 'triage');
    const replied = (await events(ticket.id)).find((e) => e.type === 'customer_replied')!;
    assert.equal(replied.data.message, 'It was the station shop.');
    assert.equal(replied.data.via, 'email');
    assert.equal(replied.data.from, ticket.email.toLowerCase());
    assert.equal(replied.data.inbound_id, done.id);
    await waitFor(async () => (await matchedAt(ticket.id)) > matchedBefore, 15_000, 'matching to run again');
  });

  it('when the request is open (triage) and held, then a message in history and the holder is notified, status unchanged', async () => {
    const ticket = await filed();
    await request(desk.app)
      .post(`/api/v1/tickets/${ticket.reference}/claim`)
      .set('Authorization', `Bearer ${tess.token}`)
      .send({})
      .expect(200);
    const { raw, to } = await replyTo(ticket, 'One more thing: I also have the box.');
    const done = await deliver(desk, raw, [to]);
    assert.equal(done.outcome, 'message');
    assert.equal((await requestRow(ticket.id)).status, 'triage');
    const replied = (await events(ticket.id)).find((e) => e.type === 'customer_replied')!;
    assert.equal(replied.data.while_open, true);
    const told = await desk.base.db.query<{ user_id: number }>(
      `SELECT user_id::int AS user_id FROM notifications WHERE request_id = $1 AND kind = 'customer_replied'`,
      [ticket.id],
    );
    assert.deepEqual(
      told.map((t) => t.user_id),
      [tess.user.id],
    );
  });

  it('when the request closed at most 14 days ago, then it is reopened to triage', async () => {
    const ticket = await closed('13 days');
    const { raw, to } = await replyTo(ticket, 'The code you sent does not work.');
    assert.equal((await deliver(desk, raw, [to])).outcome, 'reopened');
    assert.equal((await requestRow(ticket.id)).status, 'triage');
    assert.equal((await events(ticket.id)).at(-1)!.data.reopened, true);
  });

  it('when the request closed more than 14 days ago, then a follow-up is filed with its evidence, linked, acknowledged and matched', async () => {
    const ticket = await closed('20 days');
    const { raw, to } = await replyTo(ticket, 'I lost the code again.');
    const done = await deliver(desk, raw, [to]);
    assert.equal(done.outcome, 'follow_up');
    assert.notEqual(done.request_id, ticket.id);
    const followUp = await requestRow(done.request_id!);
    assert.equal(followUp.follow_up_of, ticket.id);
    assert.equal((await requestRow(ticket.id)).status, 'rejected');
    const [copied] = await desk.base.db.query<{ same: boolean; details: string }>(
      `SELECT (f.email, f.license_number, f.order_number) = (o.email, o.license_number, o.order_number) AS same, f.details
         FROM recovery_requests f JOIN recovery_requests o ON o.id = f.follow_up_of WHERE f.id = $1`,
      [done.request_id],
    );
    assert.deepEqual(copied, { same: true, details: 'I lost the code again.' });
    const history = await events(done.request_id!);
    assert.deepEqual(history[0], { type: 'received', data: { channel: 'email' } });
    await waitFor(
      async () => (await events(done.request_id!)).some((e) => e.type === 'matched'),
      15_000,
      'the follow-up matched',
    );
    const [ack] = await desk.base.db.query<{ template: string }>(
      'SELECT template FROM emails WHERE request_id = $1',
      [done.request_id],
    );
    assert.equal(ack?.template, 'request-received');
  });
});

/** A request rejected, its closing moved back by `ago`. */
async function closed(ago: string): Promise<FiledTicket> {
  const ticket = await filed();
  await postDecision(desk, tess.token, ticket.reference, {
    type: 'reject',
    reason: 'no_purchase_found',
  }).expect(200);
  await desk.base.db.query(`UPDATE recovery_requests SET closed_at = now() - $2::interval WHERE id = $1`, [
    ticket.id,
    ago,
  ]);
  return ticket;
}

describe('replies to our emails as they arrived', () => {
  it('when the customer presses Reply on the question as received, then the reply goes to its Reply-To and is the answer; a bounce sent to its envelope sender marks it bounced', async () => {
    const ticket = await filed();
    await postDecision(desk, tess.token, ticket.reference, {
      type: 'request_info',
      message: 'Which store?',
    }).expect(200);
    const { id: questionId, mail } = await deliveredEmail(desk, ticket.id, 'request-info');
    const replyTo = mail.parsed.replyTo![0]!.address!;
    const reply = eml({
      from: ticket.email,
      to: replyTo,
      text: `The station shop.\n\nOn Mon, Recovery Desk <${mail.from}> wrote:\n> Which store?`,
      headers: [`In-Reply-To: ${mail.parsed.messageId!}`],
    });
    const answered = await deliver(desk, reply, [replyTo]);
    assert.deepEqual([answered.outcome, answered.request_id], ['answer', ticket.id]);
    // The bounce of that same email comes back to its envelope sender, the reply address.
    const bounced = await deliver(desk, dsn(mail.from, mail.parsed.messageId!), [mail.from]);
    assert.equal(bounced.outcome, 'bounce');
    assert.equal(await emailStatus(questionId), 'bounced');
  });
});

describe('messages that are not threaded', () => {
  it('when no recipient is a reply address the desk issued, then invalid_token and nothing is written to any request', async () => {
    const ticket = await filed();
    const before = (await events(ticket.id)).length;
    const to = `reply+${'a'.repeat(26)}@${INBOUND_DOMAIN}`;
    const done = await deliver(desk, eml({ from: ticket.email, to }), [to, 'someone@elsewhere.test']);
    assert.equal(done.outcome, 'invalid_token');
    assert.equal(done.request_id, null);
    assert.equal((await events(ticket.id)).length, before);
  });

  for (const header of [
    'Auto-Submitted: auto-replied',
    'X-Autoreply: yes',
    'X-Autorespond: on',
    'Precedence: bulk',
    'Precedence: junk',
    'Precedence: list',
  ]) {
    it(`when an auto-responder answers (${header}), then auto_reply: not threaded, no email sent`, async () => {
      const ticket = await filed();
      const emailsBefore = await emailCount(ticket.id);
      const { raw, to } = await replyTo(ticket, 'I am out of the office until Monday.', [header]);
      assert.equal((await deliver(desk, raw, [to])).outcome, 'auto_reply');
      assert.equal((await events(ticket.id)).filter((e) => e.type === 'customer_replied').length, 0);
      assert.equal(await emailCount(ticket.id), emailsBefore);
    });
  }

  it('when one of our own emails comes back (its Message-ID, or From MAIL_FROM), then loop: not threaded', async () => {
    const ticket = await filed();
    const to = await replyAddressFor(desk.base.db, ticket.id);
    const [ours] = await desk.base.db.query<{ message_uuid: string }>(
      'SELECT message_uuid FROM emails WHERE request_id = $1',
      [ticket.id],
    );
    const echoed = eml({ from: ticket.email, to, messageId: `<${ours!.message_uuid}@localhost>` });
    assert.equal((await deliver(desk, echoed, [to])).outcome, 'loop');
    const fromUs = eml({ from: desk.base.config.mailFrom, to });
    assert.equal((await deliver(desk, fromUs, [to])).outcome, 'loop');
    assert.equal((await events(ticket.id)).filter((e) => e.type === 'customer_replied').length, 0);
  });

  it('when a delivery report returns one of our emails, then that email is bounced, in history and in the API', async () => {
    const ticket = await filed();
    const [ours] = await desk.base.db.query<{ id: string; message_uuid: string }>(
      'SELECT id, message_uuid FROM emails WHERE request_id = $1',
      [ticket.id],
    );
    const to = await replyAddressFor(desk.base.db, ticket.id);
    await waitFor(async () => {
      const [ack] = await desk.base.db.query<{ status: string }>('SELECT status FROM emails WHERE id = $1', [
        ours!.id,
      ]);
      return ack?.status === 'sent';
    });
    const done = await deliver(desk, dsn(to, `<${ours!.message_uuid}@localhost>`), [to]);
    assert.equal(done.outcome, 'bounce');
    const [email] = await desk.base.db.query<{ status: string }>('SELECT status FROM emails WHERE id = $1', [
      ours!.id,
    ]);
    assert.equal(email!.status, 'bounced');
    assert.equal((await events(ticket.id)).at(-1)!.type, 'email_bounced');
    const api = await request(desk.app)
      .get(`/api/v1/tickets/${ticket.reference}`)
      .set('Authorization', `Bearer ${tess.token}`)
      .expect(200);
    assert.equal(api.body.emails[0].status, 'bounced');
  });

  it('when a bounce is read before the send records its own answer, then the email stays bounced', async () => {
    const ticket = await filed();
    const [ours] = await desk.base.db.query<{ id: string }>('SELECT id FROM emails WHERE request_id = $1', [
      ticket.id,
    ]);
    await waitFor(async () => (await emailStatus(ours!.id)) === 'sent');
    // The order a slow SMTP answer can give: the bounce marks the email, then the send's 250 is recorded.
    await desk.base.db.query(`UPDATE emails SET status = 'bounced' WHERE id = $1`, [ours!.id]);
    await markSent(desk.base.db, Number(ours!.id));
    assert.equal(await emailStatus(ours!.id), 'bounced');
  });

  it('when a delivery report only says delivery is delayed, then it is a bounce of nothing: the email stays as it was', async () => {
    const ticket = await filed();
    const [ours] = await desk.base.db.query<{ id: string; message_uuid: string }>(
      'SELECT id, message_uuid FROM emails WHERE request_id = $1',
      [ticket.id],
    );
    const to = await replyAddressFor(desk.base.db, ticket.id);
    await waitFor(async () => (await emailStatus(ours!.id)) === 'sent');
    const done = await deliver(desk, dsn(to, `<${ours!.message_uuid}@localhost>`, 'delayed'), [to]);
    assert.equal(done.outcome, 'bounce');
    assert.equal(await emailStatus(ours!.id), 'sent');
    assert.ok(!(await events(ticket.id)).some((e) => e.type === 'email_bounced'));
  });
});

describe('once per message', () => {
  it('when the same message arrives twice and its job runs twice, then it is threaded once', async () => {
    const ticket = await filed();
    const { raw, to } = await replyTo(ticket, 'Only once, please.');
    const first = await deliver(desk, raw, [to]);
    const again = await storeInbound(desk.base.db, desk.base.config, raw, {
      via: 'imap',
      from: null,
      to: [],
    });
    assert.deepEqual(again, { id: first.id, duplicate: true });
    await desk.base.db.transaction((tx) =>
      enqueueInTransaction(tx, 'inbound-email', { inboundId: first.id }),
    );
    desk.web.relay.wake();
    assert.equal(
      await processInbound({ ...desk.base, relay: desk.web.relay }, first.id),
      'already_processed',
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await events(ticket.id)).filter((e) => e.type === 'customer_replied').length, 1);
  });

  it('when two runs of the job process the same message at once, then exactly one threads it', async () => {
    const ticket = await filed();
    const { raw, to } = await replyTo(ticket, 'Racing myself.');
    // The desk's own worker races these three too, through the relay.
    const { id } = await storeInbound(desk.base.db, desk.base.config, raw, {
      via: 'smtp',
      from: null,
      to: [to],
    });
    const deps = { ...desk.base, relay: desk.web.relay };
    const results = await Promise.all([
      processInbound(deps, id),
      processInbound(deps, id),
      processInbound(deps, id),
    ]);
    assert.ok(results.filter((r) => r !== 'already_processed').length <= 1, results.join());
    assert.equal((await processedRow(desk, id)).outcome, 'message');
    assert.equal((await events(ticket.id)).filter((e) => e.type === 'customer_replied').length, 1);
  });
});

describe('run by hand, on a desk without workers', () => {
  // This desk's jobs are run here, by the handler path the worker uses, and nowhere else.
  let quiet: TestDesk;
  before(async () => {
    quiet = await startDesk({ env: { ...env, INBOUND_MAX_BYTES: String(64 * 1024) }, workers: false });
  });
  after(() => quiet.stop());
  const deps = () => ({ ...quiet.base, relay: quiet.web.relay });
  const store = (raw: Buffer, to: string[] = []) =>
    storeInbound(quiet.base.db, quiet.base.config, raw, { via: 'smtp', from: null, to });

  it('when processing fails after threading but before its commit, then nothing of it stays and the retry threads it once', async () => {
    const ticket = await fileQuietly(quiet);
    const to = await replyAddressFor(quiet.base.db, ticket);
    const { id } = await store(eml({ from: 'customer@example.com', to, text: 'Survive the crash.' }), [to]);
    // The last statement of the transaction (marking the message processed) fails once.
    await quiet.base.db.query(`CREATE FUNCTION crash_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'crash between threading and commit'; END $$`);
    await quiet.base.db.query(
      'CREATE TRIGGER crash_once BEFORE UPDATE ON inbound_messages FOR EACH ROW EXECUTE FUNCTION crash_once()',
    );
    await assert.rejects(processInbound(deps(), id), /crash between threading and commit/);
    const state = async () => ({
      said: (
        await quiet.base.db.query(
          `SELECT 1 FROM request_events WHERE request_id = $1 AND type = 'customer_replied'`,
          [ticket],
        )
      ).length,
      status: (
        await quiet.base.db.query<{ status: string }>('SELECT status FROM inbound_messages WHERE id = $1', [
          id,
        ])
      )[0]!.status,
    });
    assert.deepEqual(await state(), { said: 0, status: 'received' });
    await quiet.base.db.query('DROP TRIGGER crash_once ON inbound_messages');
    assert.equal(await processInbound(deps(), id), 'message');
    assert.equal(await processInbound(deps(), id), 'already_processed');
    assert.deepEqual(await state(), { said: 1, status: 'processed' });
  });

  it('when a message is larger than INBOUND_MAX_BYTES, then oversize: not read, not threaded', async () => {
    const ticket = await fileQuietly(quiet);
    const to = await replyAddressFor(quiet.base.db, ticket);
    const { id } = await store(eml({ from: 'customer@example.com', to, text: 'x'.repeat(70 * 1024) }), [to]);
    assert.equal(await processInbound(deps(), id), 'oversize');
  });

  it('when a message has no headers at all, then unparseable: not threaded', async () => {
    const { id } = await store(Buffer.from(`\r\n\r\nno headers ${Date.now()}\r\n`));
    assert.equal(await processInbound(deps(), id), 'unparseable');
  });
});

/** A request filed straight into the database of a desk without workers (it stays `received`). */
async function fileQuietly(quiet: TestDesk): Promise<number> {
  const res = await request(quiet.app)
    .post('/api/v1/recovery-requests')
    .send(validRequest({ locale: 'en' }))
    .expect(201);
  const [row] = await quiet.base.db.query<{ id: number }>(
    'SELECT id::int AS id FROM recovery_requests WHERE reference = $1',
    [res.body.reference],
  );
  return row!.id;
}

async function emailStatus(id: string): Promise<string | undefined> {
  const [row] = await desk.base.db.query<{ status: string }>('SELECT status FROM emails WHERE id = $1', [id]);
  return row?.status;
}

async function emailCount(requestId: number): Promise<number> {
  const [row] = await desk.base.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM emails WHERE request_id = $1',
    [requestId],
  );
  return row!.n;
}

/** A delivery status notification (RFC 3464) returning the headers of the message with `messageId`. */
function dsn(to: string, messageId: string, action = 'failed'): Buffer {
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
      `To: ${to}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn.' + Math.random().toString(36).slice(2) + '@mx.example.com>',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'I could not deliver your message to <nobody@example.com>: user unknown.',
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.com',
      '',
      'Final-Recipient: rfc822; nobody@example.com',
      `Action: ${action}`,
      'Status: 5.1.1',
      '',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      'From: Recovery Desk <desk@localhost>',
      'To: nobody@example.com',
      `Message-ID: ${messageId}`,
      'Subject: We received your request',
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}
