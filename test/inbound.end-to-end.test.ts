/**
 * A reply travels the whole way on real parts: the customer answers the question as it arrived
 * (to its Reply-To), and the reply reaches the desk through its SMTP listener (Nodemailer as the
 * sending mail server) or through a mailbox it polls (a private Dovecot); the desk's own workers
 * thread it into the request's history. inbound.smtp-listener and inbound.imap check what each way
 * stores, inbound.threading what the job makes of a stored message; this joins them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imapMailboxOf } from '../src/config.ts';
import { startImapPoller, type ImapPoller } from '../src/inbound/imap-poller.ts';
import { startSmtpListener, type SmtpListener } from '../src/inbound/smtp-listener.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { Dovecot, skipWithoutDovecot } from './helpers/dovecot.ts';
import { deliveredEmail, eml, listenerSettings, sendRaw } from './helpers/inbound.ts';
import type { ReceivedMail } from './helpers/smtp.ts';
import { fileMatchedRequest, postDecision, purchase, type FiledTicket } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let tess: TestUser;
let listener: SmtpListener;

before(async () => {
  desk = await startDesk({
    env: await listenerSettings({ INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' }),
  });
  tess = await createUserWithToken(desk.base.db, 'technician');
  listener = await startSmtpListener(desk.base.config, desk.base.db, desk.base.logger, () =>
    desk.web.relay.wake(),
  );
});
after(async () => {
  await listener?.stop();
  await desk?.stop();
});

/** A matched request the technician asked a question on, and the question as the customer got it. */
async function askedQuestion(): Promise<{ ticket: FiledTicket; question: ReceivedMail }> {
  const ticket = await fileMatchedRequest(desk, await purchase(desk));
  await postDecision(desk, tess.token, ticket.reference, {
    type: 'request_info',
    message: 'Which store did you buy it from?',
  }).expect(200);
  const { mail: question } = await deliveredEmail(desk, ticket.id, 'request-info', 15_000);
  return { ticket, question };
}

/** What the customer's mail program sends on Reply: to the Reply-To, the question quoted. */
function replyOf(ticket: FiledTicket, question: ReceivedMail, text: string): { raw: Buffer; to: string } {
  const to = question.parsed.replyTo![0]!.address!;
  const raw = eml({
    from: `Customer <${ticket.email}>`,
    to,
    subject: `Re: ${question.parsed.subject ?? ''}`,
    text: `${text}\n\nOn Thu, 3 Dec 2026 at 07:00, Recovery Desk <${question.from}> wrote:\n> Which store did you buy it from?`,
    headers: [`In-Reply-To: ${question.parsed.messageId!}`, `References: ${question.parsed.messageId!}`],
  });
  return { raw, to };
}

/** Waits for the request's first customer_replied event and the inbound message it came from. */
async function threaded(requestId: number) {
  let said: { data: Record<string, unknown> } | undefined;
  await waitFor(
    async () => {
      [said] = await desk.base.db.query<{ data: Record<string, unknown> }>(
        `SELECT data FROM request_events WHERE request_id = $1 AND type = 'customer_replied'`,
        [requestId],
      );
      return said !== undefined;
    },
    30_000,
    'the reply in the request history',
  );
  const [inbound] = await desk.base.db.query<{ via: string; outcome: string; request_id: number }>(
    'SELECT via, outcome, request_id::int AS request_id FROM inbound_messages WHERE id = $1',
    [said!.data.inbound_id],
  );
  const [request] = await desk.base.db.query<{ status: string }>(
    'SELECT status FROM recovery_requests WHERE id = $1',
    [requestId],
  );
  return { data: said!.data, inbound: inbound!, status: request!.status };
}

describe('a reply to the question, pressed Reply on as it arrived', () => {
  it('when it is sent to the desk’s SMTP listener, then the workers thread it as the answer in the request’s history', async () => {
    const { ticket, question } = await askedQuestion();
    const { raw, to } = replyOf(ticket, question, 'It was the station shop in Leeds.');
    const sent = await sendRaw(listener.port, raw, [to], ticket.email);
    assert.match(sent.response, /^250 /);

    const { data, inbound, status } = await threaded(ticket.id);
    assert.equal(data.message, 'It was the station shop in Leeds.', 'only the new text');
    assert.equal(data.via, 'email');
    assert.equal(data.from, ticket.email.toLowerCase());
    assert.deepEqual(inbound, { via: 'smtp', outcome: 'answer', request_id: ticket.id });
    assert.equal(status, 'triage', 'the answer puts it back in triage');
  });

  it(
    'when it lands in the mailbox the desk polls, then the poller takes it, flags it seen, and the workers thread it as the answer',
    { skip: skipWithoutDovecot, timeout: 120_000 },
    async () => {
      const dovecot = await Dovecot.start();
      let poller: ImapPoller | undefined;
      try {
        const { config } = desk.base;
        const inbound = { ...config.inbound, imap: imapMailboxOf(dovecot.url()).mailbox, imapPollSeconds: 5 };
        poller = startImapPoller({ ...config, inbound }, desk.base.db, desk.base.logger, () =>
          desk.web.relay.wake(),
        );
        const { ticket, question } = await askedQuestion();
        // Polled mail has no SMTP envelope: the To header's reply address names the request.
        const { raw } = replyOf(ticket, question, 'Das war der Laden am Bahnhof.');
        await dovecot.deliver({ raw });

        const threadedReply = await threaded(ticket.id);
        assert.equal(threadedReply.data.message, 'Das war der Laden am Bahnhof.', 'only the new text');
        assert.equal(threadedReply.data.via, 'email');
        assert.deepEqual(threadedReply.inbound, { via: 'imap', outcome: 'answer', request_id: ticket.id });
        assert.equal(threadedReply.status, 'triage');
        await waitFor(
          async () => (await dovecot.flags())[0]?.seen === true,
          20_000,
          'the message flagged seen',
        );
      } finally {
        await poller?.stop();
        await dovecot.stop();
      }
    },
  );
});
