/**
 * What the desk's emails carry (README "What the desk's emails carry"), read from the messages a
 * real SMTP server received: Message-ID, In-Reply-To and References to the request's first email,
 * the reply address (INBOUND_DOMAIN) as Reply-To and envelope sender, Auto-Submitted only on
 * automatic mail, and, without INBOUND_DOMAIN, the line that says how to answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestOfReplyAddress } from '../src/mail/reply-tokens.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { signInAs, postForm } from './helpers/session.ts';
import type { ReceivedMail } from './helpers/smtp.ts';
import {
  decisionFormKey,
  fileMatchedRequest,
  postDecision,
  purchase,
  startDecisionDesk,
  type FiledTicket,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

const DOMAIN = 'replies.desk.test';
const MAIL_FROM = 'Recovery Desk <support@desk.test>';
const REPLY_ADDRESS = /^reply\+[a-z2-7]{26}@replies\.desk\.test$/;

function header(mail: ReceivedMail, name: string): string | undefined {
  return mail.parsed.headers.find((h) => h.key === name.toLowerCase())?.value;
}

function replyToOf(mail: ReceivedMail): string | undefined {
  return mail.parsed.replyTo?.[0]?.address;
}

interface EmailRow {
  id: number;
  template: string;
  message_uuid: string;
  status: string;
}

/** The request's emails, oldest first, once each has left (or failed). */
async function emailsOf(desk: TestDesk, ticket: FiledTicket, count: number): Promise<EmailRow[]> {
  let rows: EmailRow[] = [];
  await waitFor(
    async () => {
      rows = await desk.base.db.query<EmailRow>(
        'SELECT id, template, message_uuid, status FROM emails WHERE request_id = $1 ORDER BY id',
        [ticket.id],
      );
      return rows.length >= count && rows.every((r) => r.status === 'sent' || r.status === 'failed');
    },
    15_000,
    `${count} emails of ${ticket.reference} done`,
  );
  return rows;
}

/** What the sink received for an email row (its Message-ID names it), the latest copy first. */
function received(desk: TestDesk, row: EmailRow): ReceivedMail[] {
  return desk.smtp.received.filter((m) => m.parsed.messageId?.includes(row.message_uuid)).reverse();
}

async function fileAndAsk(desk: TestDesk, technician: TestUser, overrides: Record<string, unknown> = {}) {
  const ticket = await fileMatchedRequest(desk, null, overrides);
  await postDecision(desk, technician.token, ticket.reference, {
    type: 'request_info',
    message: 'Please send the order confirmation.',
  }).expect(200);
  const [first, later] = await emailsOf(desk, ticket, 2);
  assert.equal(first!.template, 'request-received');
  assert.equal(later!.template, 'request-info');
  return { ticket, first: first!, later: later! };
}

describe('with INBOUND_DOMAIN', () => {
  let desk: TestDesk;
  let technician: TestUser;
  before(async () => {
    desk = await startDesk({
      env: {
        INTAKE_LIMIT_PER_IP: '0',
        INTAKE_LIMIT_PER_EMAIL: '0',
        INBOUND_DOMAIN: DOMAIN,
        MAIL_FROM,
      },
    });
    technician = await createUserWithToken(desk.base.db, 'technician');
  });
  after(() => desk.stop());

  it('when a request gets its acknowledgement and then a question, then both carry a Message-ID, the question threads to the acknowledgement, and each has a reply address of its own that names the request and is its envelope sender', async () => {
    const { ticket, first, later } = await fileAndAsk(desk, technician);
    const [ack] = received(desk, first);
    const [question] = received(desk, later);
    assert.ok(ack && question, 'both emails arrived');

    const firstId = `<${first.message_uuid}@desk.test>`;
    assert.equal(header(ack, 'Message-ID'), firstId);
    assert.equal(header(ack, 'In-Reply-To'), undefined, 'the first email replies to nothing');
    assert.equal(header(ack, 'References'), undefined);
    assert.equal(header(question, 'Message-ID'), `<${later.message_uuid}@desk.test>`);
    assert.equal(header(question, 'In-Reply-To'), firstId);
    assert.equal(header(question, 'References'), firstId);

    for (const mail of [ack, question]) {
      const replyTo = replyToOf(mail);
      assert.match(replyTo ?? '', REPLY_ADDRESS);
      assert.equal(await requestOfReplyAddress(desk.base.db, replyTo!, DOMAIN), ticket.id);
      assert.equal(mail.from, replyTo, 'the envelope sender is the reply address: bounces come back');
      assert.equal(mail.parsed.from?.address, 'support@desk.test', 'the header From stays MAIL_FROM');
    }
    assert.notEqual(replyToOf(ack), replyToOf(question), 'a token for each email');
    assert.match(ack.parsed.text ?? '', /You can answer by replying to this email\./);
    assert.match(
      question.parsed.text ?? '',
      /You can answer by replying to this email, or write to us on your request's page:/,
    );
  });

  it('when the emails are stored, then no row holds a reply token in clear, and the recorded copy says how to answer without it', async () => {
    const { first, later } = await fileAndAsk(desk, technician);
    for (const row of [first, later]) {
      const token = /^reply\+([a-z2-7]{26})@/.exec(replyToOf(received(desk, row)[0]!)!)![1]!;
      const [stored] = await desk.base.db.query<{ everything: string; text: string }>(
        'SELECT e::text AS everything, e.text FROM emails e WHERE id = $1',
        [row.id],
      );
      assert.ok(!stored!.everything.includes(token), `${row.template}: the token is not in clear`);
      assert.match(stored!.text, /You can answer by replying to this email/);
      const hashes = await desk.base.db.query<{ token_hash: string }>(
        'SELECT token_hash FROM reply_tokens WHERE token_hash LIKE $1',
        [`%${token}%`],
      );
      assert.equal(hashes.length, 0, 'reply_tokens holds hashes only');
    }
  });

  it('when an email is refused and a technician sends it again, then the resend keeps its Reply-To, envelope sender, Message-ID and threading', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    await emailsOf(desk, ticket, 1);
    desk.smtp.refuse(1, 550, 'Mailbox unavailable');
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: 'Which shop sold it?',
    }).expect(200);
    const [first, later] = await emailsOf(desk, ticket, 2);
    assert.equal(later!.status, 'failed');

    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    await postForm(tech, `/desk/emails/${later!.id}/resend`).expect(303);
    await waitFor(() => received(desk, later!).length === 1, 15_000, 'the resent email');
    const [resent] = received(desk, later!);
    const [stored] = await desk.base.db.query<{ secret_facts_enc: string }>(
      'SELECT secret_facts_enc FROM emails WHERE id = $1',
      [later!.id],
    );
    assert.ok(stored!.secret_facts_enc, 'the reply address is kept with the row, encrypted');
    assert.match(replyToOf(resent!) ?? '', REPLY_ADDRESS);
    assert.equal(await requestOfReplyAddress(desk.base.db, replyToOf(resent!)!, DOMAIN), ticket.id);
    assert.equal(resent!.from, replyToOf(resent!));
    assert.equal(header(resent!, 'In-Reply-To'), `<${first!.message_uuid}@desk.test>`);
    const tokens = await desk.base.db.query('SELECT 1 FROM reply_tokens WHERE request_id = $1', [ticket.id]);
    assert.equal(tokens.length, 2, 'no new token for a resend');
  });

  it('when a technician previews a question, then the preview says to answer by replying, and no reply token is issued', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const page = await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    const tokensBefore = await desk.base.db.query('SELECT 1 FROM reply_tokens WHERE request_id = $1', [
      ticket.id,
    ]);
    const res = await postForm(tech, `/desk/requests/${ticket.reference}/decisions/preview`, {
      type: 'request_info',
      message: 'Which shop sold it?',
      idempotency_key: decisionFormKey(page.text, 'request_info'),
    }).expect(200);
    assert.match(
      res.text,
      /You can answer by replying to this email, or write to us on your request(&#x27;|')s page:/,
    );
    assert.doesNotMatch(res.text, /reply\+preview/, 'no address, not even the preview’s');
    const tokensAfter = await desk.base.db.query('SELECT 1 FROM reply_tokens WHERE request_id = $1', [
      ticket.id,
    ]);
    assert.equal(tokensAfter.length, tokensBefore.length, 'a preview issues no token');
  });

  it('when the desk writes by itself, then Auto-Submitted is on it; when a person decided, then not; and a staff notification has no reply address', async () => {
    const { first, later } = await fileAndAsk(desk, technician);
    const [ack] = received(desk, first);
    const [question] = received(desk, later);
    assert.equal(header(ack!, 'Auto-Submitted'), 'auto-replied');
    assert.equal(header(ack!, 'X-Auto-Response-Suppress'), 'OOF, AutoReply');
    assert.equal(header(question!, 'Auto-Submitted'), undefined);
    assert.equal(header(question!, 'X-Auto-Response-Suppress'), undefined);

    const supervisor = await createUserWithToken(desk.base.db, 'supervisor');
    const ticket = await fileMatchedRequest(desk, await purchase(desk));
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'refund',
      amount: '549.00',
    }).expect(202);
    await waitFor(
      () => desk.smtp.received.some((m) => m.to.includes(supervisor.user.email)),
      15_000,
      'the supervisor’s notification',
    );
    const notice = desk.smtp.received.find((m) => m.to.includes(supervisor.user.email))!;
    assert.equal(header(notice, 'Auto-Submitted'), 'auto-replied');
    assert.equal(replyToOf(notice), undefined, 'staff answer in the console');
    assert.equal(header(notice, 'In-Reply-To'), undefined, 'it is about no customer thread');
    assert.equal(notice.from, 'support@desk.test');
  });
});

describe('without INBOUND_DOMAIN', () => {
  let desk: TestDesk;
  let technician: TestUser;
  before(async () => {
    desk = await startDecisionDesk();
    technician = await createUserWithToken(desk.base.db, 'technician');
  });
  after(() => desk.stop());

  const notRead = {
    en: {
      ack: "Replies to this address are not read; to answer, use your request's status page (the link above).",
      question: "Replies to this address are not read; to answer, use your request's status page:",
    },
    de: {
      ack: 'Antworten an diese Adresse werden nicht gelesen. Um uns zu antworten, nutzen Sie bitte die Seite Ihrer Anfrage (Link oben).',
      question:
        'Antworten an diese Adresse werden nicht gelesen. Um uns zu antworten, nutzen Sie bitte die Seite Ihrer Anfrage:',
    },
    ru: {
      ack: 'Письма на этот адрес не читаются. Чтобы ответить нам, воспользуйтесь страницей вашего запроса (ссылка выше).',
      question:
        'Письма на этот адрес не читаются. Чтобы ответить нам, воспользуйтесь страницей вашего запроса:',
    },
  };

  for (const [locale, lines] of Object.entries(notRead)) {
    it(`when a request in ${locale} gets its acknowledgement and a question, then neither has a Reply-To, both say replies are not read and link the status page, and they still thread`, async () => {
      const { ticket, first, later } = await fileAndAsk(desk, technician, { locale });
      const [ack] = received(desk, first);
      const [question] = received(desk, later);
      for (const mail of [ack!, question!]) {
        assert.equal(replyToOf(mail), undefined);
        assert.equal(header(mail, 'Reply-To'), undefined);
        assert.equal(mail.from, 'desk@localhost', 'the envelope sender is MAIL_FROM');
      }
      assert.ok(ack!.parsed.text?.includes(lines.ack), ack!.parsed.text);
      const link = `${lines.question}\nhttp://desk.test/requests/${ticket.reference}?token=`;
      assert.ok(question!.parsed.text?.includes(link), question!.parsed.text);
      assert.equal(header(question!, 'In-Reply-To'), `<${first.message_uuid}@localhost>`);
      const tokens = await desk.base.db.query('SELECT 1 FROM reply_tokens WHERE request_id = $1', [
        ticket.id,
      ]);
      assert.equal(tokens.length, 0, 'no reply token is issued');
    });
  }
});
