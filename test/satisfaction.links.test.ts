import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import type { ReceivedMail } from './helpers/smtp.ts';
import {
  fileMatchedRequest,
  getTicket,
  outcomeMails,
  postApproval,
  postDecision,
  purchase,
  type FiledTicket,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { signIn } from './helpers/session.ts';
import { satisfactionToken } from '../src/satisfaction/satisfaction-links.ts';

// The key the desk used before a rotation: links it signed must still work (SECRET_KEY_PREVIOUS).
const OLD_KEY = randomBytes(32).toString('hex');

let desk: TestDesk;
let technician: TestUser;
let supervisor: TestUser;
before(async () => {
  desk = await startDesk({
    env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', SECRET_KEY_PREVIOUS: OLD_KEY },
  });
  technician = await createUserWithToken(desk.base.db, 'technician');
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
});
after(() => desk.stop());

const LINK =
  /http:\/\/desk\.test(\/requests\/(RD-[0-9A-Z]{8})\/feedback\/(helpful|not_helpful)\?token=[\w-]+)/g;

/** The satisfaction links of a part of an email, as paths: { helpful, not_helpful }. */
function linksIn(part: string | undefined): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of (part ?? '')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&')
    .matchAll(LINK))
    found[m[3]!] = m[1]!;
  return found;
}

/** Both links of the mail, the same in its HTML and its text part. */
function bothLinks(mail: ReceivedMail): { helpful: string; not_helpful: string } {
  const html = linksIn(mail.parsed.html);
  const text = linksIn(mail.parsed.text);
  assert.ok(html.helpful && html.not_helpful, 'both links in the HTML part');
  assert.deepEqual(text, html, 'the same links in the text part');
  return { helpful: html.helpful, not_helpful: html.not_helpful };
}

/** A request rejected by a technician, the email that said so, and that email's two links. */
async function rejectedTicket(
  locale = 'en',
): Promise<{ ticket: FiledTicket; mail: ReceivedMail; links: ReturnType<typeof bothLinks> }> {
  const ticket = await fileMatchedRequest(desk, null, { locale });
  await postDecision(desk, technician.token, ticket.reference, {
    type: 'reject',
    reason: 'no_purchase_found',
  }).expect(200);
  const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
  return { ticket, mail: mail!, links: bothLinks(mail!) };
}

async function answers(requestId: number) {
  return desk.base.db.query<{ answer: string; answered_at: Date; comment: string | null }>(
    'SELECT answer, answered_at, comment FROM satisfaction_answers WHERE request_id = $1',
    [requestId],
  );
}

async function ratedEvents(requestId: number) {
  return desk.base.db.query<{ actor: string; data: Record<string, unknown> }>(
    `SELECT actor, data FROM request_events WHERE request_id = $1 AND type = 'rated'`,
    [requestId],
  );
}

describe('satisfaction links in the emails that close a request', () => {
  for (const [locale, question, yes] of [
    ['en', 'Was this helpful?', 'Yes'],
    ['de', 'War das hilfreich?', 'Ja'],
    ['ru', 'Это помогло?', 'Да'],
  ] as const) {
    it(`when a request in ${locale} is rejected, then its email asks "${question}" with both links in each part, and the recorded copy holds no token`, async () => {
      const { ticket, mail, links } = await rejectedTicket(locale);
      assert.ok(links.helpful.includes(ticket.reference));
      assert.ok(mail.parsed.text?.includes(`${question}\n${yes}: http://desk.test${links.helpful}`));
      assert.ok(mail.parsed.html?.includes(question));

      const [row] = await desk.base.db.query<{ html: string; text: string; facts: Record<string, string> }>(
        `SELECT html, text, facts FROM emails WHERE request_id = $1 AND template = 'request-rejected'`,
        [ticket.id],
      );
      const token = new URL(`http://x${links.helpful}`).searchParams.get('token')!;
      for (const kept of [row!.html, row!.text, JSON.stringify(row!.facts)]) assert.ok(!kept.includes(token));
      assert.ok(row!.text.includes(`/requests/${ticket.reference}/feedback/helpful`), 'masked link kept');
    });
  }

  it('when a code is reissued and a refund approved, then the code email and the refund email each carry both links', async () => {
    const p = await purchase(desk);
    const reissued = await fileMatchedRequest(desk, p);
    await postDecision(desk, technician.token, reissued.reference, {
      type: 'reissue',
      mode: 'resend',
    }).expect(200);
    const [codeMail] = await outcomeMails(desk, reissued.id, reissued.reference);
    assert.ok(codeMail!.parsed.text?.includes(p.activation_code));
    bothLinks(codeMail!);

    const q = await purchase(desk);
    const refunded = await fileMatchedRequest(desk, q, { desired_outcome: 'refund' });
    const proposed = await postDecision(desk, technician.token, refunded.reference, {
      type: 'refund',
      amount: '549.00',
    }).expect(202);
    await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(200);
    const [refundMail] = await outcomeMails(desk, refunded.id, refunded.reference);
    assert.match(refundMail!.parsed.subject ?? '', /refund/i);
    bothLinks(refundMail!);
  });

  it('when a question is asked, then its email has no satisfaction links (it closes nothing)', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: 'Please send the receipt.',
    }).expect(200);
    const [mail] = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.deepEqual(linksIn(mail!.parsed.html), {});
    assert.deepEqual(linksIn(mail!.parsed.text), {});
  });
});

describe('answering by link', () => {
  it('when the customer clicks "helpful", then one answer and one history event are recorded; a second click and the other link change nothing', async () => {
    const { ticket, links } = await rejectedTicket();
    const first = await request(desk.app).get(links.helpful).expect(200);
    assert.match(first.text, /Thank you for your answer about request RD-/);
    assert.match(first.text, /Helpful/);
    assert.equal(first.headers['cache-control'], 'no-store');
    const [recorded] = await answers(ticket.id);
    assert.equal(recorded!.answer, 'helpful');

    const again = await request(desk.app).get(links.helpful).expect(200);
    assert.match(again.text, /We already have your answer/);
    const other = await request(desk.app).get(links.not_helpful).expect(200);
    assert.match(other.text, /We already have your answer/);
    assert.match(other.text, /Your answer: Helpful/);

    assert.deepEqual(await answers(ticket.id), [recorded]);
    assert.deepEqual(await ratedEvents(ticket.id), [{ actor: 'customer', data: { answer: 'helpful' } }]);
  });

  it('when a mail scanner looks at the link with HEAD, then nothing is recorded', async () => {
    const { ticket, links } = await rejectedTicket();
    await request(desk.app).head(links.not_helpful).expect(200);
    assert.deepEqual(await answers(ticket.id), []);
  });

  it('when the request is in German, then the page thanks in German', async () => {
    const { links } = await rejectedTicket('de');
    const res = await request(desk.app).get(links.not_helpful).expect(200);
    assert.match(res.text, /Vielen Dank für Ihre Antwort zu Anfrage RD-/);
    assert.match(res.text, /Nicht hilfreich/);
  });

  it('when a token is forged, altered, for another answer or for another request, then a plain 404 and nothing changes', async () => {
    const a = await rejectedTicket();
    const b = await rejectedTicket();
    const tokenOf = (path: string) => new URL(`http://x${path}`).searchParams.get('token')!;
    const flip = (t: string) => `${t.slice(0, -2)}${t.at(-2) === 'A' ? 'B' : 'A'}${t.at(-1)}`;
    const aToken = tokenOf(a.links.helpful);
    const tries = [
      `/requests/${b.ticket.reference}/feedback/helpful?token=${randomBytes(32).toString('base64url')}`,
      `/requests/${b.ticket.reference}/feedback/helpful?token=${flip(tokenOf(b.links.helpful))}`,
      `/requests/${b.ticket.reference}/feedback/not_helpful?token=${tokenOf(b.links.helpful)}`,
      `/requests/${b.ticket.reference}/feedback/helpful?token=${aToken}`,
      `/requests/${b.ticket.reference}/feedback/helpful`,
      `/requests/${b.ticket.reference}/feedback/maybe?token=${aToken}`,
      `/requests/RD-00000000/feedback/helpful?token=${aToken}`,
    ];
    const bodies = new Set<string>();
    for (const path of tries) {
      const res = await request(desk.app).get(path).expect(404);
      assert.match(res.text, /This page does not exist, or the link is not complete/);
      bodies.add(res.text.replace(/href="[^"]*"/g, ''));
      await request(desk.app).post(path).type('form').send({ comment: 'hello' }).expect(404);
    }
    assert.equal(bodies.size, 1, 'the same page whether or not the request exists');
    assert.deepEqual(await answers(a.ticket.id), []);
    assert.deepEqual(await answers(b.ticket.id), []);
  });

  it('when the link was signed under the previous key (SECRET_KEY_PREVIOUS), then it still works', async () => {
    const { ticket } = await rejectedTicket();
    const old = satisfactionToken(OLD_KEY, ticket.reference, 'not_helpful');
    await request(desk.app)
      .get(`/requests/${ticket.reference}/feedback/not_helpful?token=${old}`)
      .expect(200);
    assert.equal((await answers(ticket.id))[0]?.answer, 'not_helpful');
  });
});

describe('the comment', () => {
  it('when the comment holds control characters or is too long, then 422 with a sentence and nothing stored; a good one is stored once, codes masked, and shown escaped on the request page and in the API', async () => {
    const { ticket, links } = await rejectedTicket();
    await request(desk.app).get(links.not_helpful).expect(200);
    const post = (comment: string) =>
      request(desk.app).post(links.not_helpful).type('form').send({ comment });

    const bell = await post('ring \u0007 ring').expect(422);
    assert.match(bell.text, /Remove the control characters/);
    assert.ok(bell.text.includes('ring'), 'what was typed is kept');
    const long = await post('x'.repeat(2001)).expect(422);
    assert.match(long.text, /Use at most 2000 characters/);
    assert.equal((await answers(ticket.id))[0]?.comment, null);

    const said = 'The code TX684-V88U4-ASMZU-29U4Q came too late <b>twice</b>';
    const ok = await post(said).expect(200);
    assert.match(ok.text, /we have your comment/);
    const stored = (await answers(ticket.id))[0]!;
    assert.equal(stored.comment, 'The code XXXXX-XXXXX-XXXXX-XXXXX came too late <b>twice</b>');

    const second = await post('Something else').expect(200);
    assert.match(second.text, /We already have your comment/);
    const badSecond = await post('bell \u0007').expect(200);
    assert.match(badSecond.text, /We already have your comment/);
    assert.deepEqual(await answers(ticket.id), [stored]);

    const api = await getTicket(desk, technician.token, ticket.reference).expect(200);
    assert.deepEqual(api.body.satisfaction, {
      answer: 'not_helpful',
      answered_at: stored.answered_at.toISOString(),
      comment: stored.comment,
    });

    const staff = await signIn(desk.app, technician.user.email, technician.password);
    const page = await staff.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.match(page.text, /Customer satisfaction/);
    assert.match(page.text, /Not helpful/);
    assert.ok(page.text.includes('came too late &lt;b&gt;twice&lt;/b&gt;'));
    assert.match(page.text, /rated the outcome: not helpful/);
  });

  it('when a request has no answer yet, then the API says satisfaction null', async () => {
    const { ticket } = await rejectedTicket();
    const api = await getTicket(desk, technician.token, ticket.reference).expect(200);
    assert.equal(api.body.satisfaction, null);
  });
});
