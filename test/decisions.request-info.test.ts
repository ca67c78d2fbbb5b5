import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  getTicket,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let technician: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const QUESTION = 'Please send the <b>invoice</b> & the order e-mail. <script>alert(1)</script>';
const HOUR = 3600_000;

interface Clock {
  first_response_due_at: Date;
  resolution_due_at: Date;
  first_responded_at: Date | null;
  paused_since: Date | null;
  created_at: Date;
}

async function clock(id: number): Promise<Clock> {
  const [row] = await desk.base.db.query<Clock>(
    `SELECT first_response_due_at, resolution_due_at, first_responded_at, paused_since, created_at
       FROM recovery_requests WHERE id = $1`,
    [id],
  );
  return row!;
}

/** Asks the question and returns the status link of the email that arrived. */
async function askAndReadLink(reference: string, id: number): Promise<URL> {
  await postDecision(desk, technician.token, reference, { type: 'request_info', message: QUESTION }).expect(
    200,
  );
  const [mail] = await outcomeMails(desk, id, reference);
  const link = /(http:\/\/desk\.test\/requests\/\S+)/.exec(mail!.parsed.text ?? '')![1]!;
  return new URL(link);
}

describe('request info', () => {
  it('when a technician asks a question, then the request waits on the customer, the clock pauses and one email with a fresh status link arrives, the question escaped in HTML', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const before = await clock(ticket.id);
    assert.equal(before.first_response_due_at.getTime() - before.created_at.getTime(), 8 * HOUR);
    assert.equal(before.resolution_due_at.getTime() - before.created_at.getTime(), 72 * HOUR);

    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: QUESTION,
    }).expect(200);
    assert.deepEqual(res.body, { reference: ticket.reference, status: 'waiting_on_customer' });

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.to, [ticket.email]);
    assert.ok(mails[0]!.parsed.text?.includes(QUESTION), 'the plain text as written');
    assert.ok(!mails[0]!.parsed.html?.includes('<script>'), 'inert in HTML');
    assert.ok(mails[0]!.parsed.html?.includes('&lt;script&gt;'));
    const link = new URL(/(http:\/\/desk\.test\/requests\/\S+)/.exec(mails[0]!.parsed.text ?? '')![1]!);
    assert.notEqual(link.searchParams.get('token'), ticket.token, 'a fresh token');

    const page = await request(desk.app).get(`${link.pathname}${link.search}`).expect(200);
    assert.ok(page.text.includes('&lt;b&gt;invoice&lt;/b&gt;'), 'the question, escaped');
    assert.match(page.text, /<form method="post" action="\/requests\/RD-[0-9A-Z]{8}\/reply\?token/);
    await request(desk.app).get(`/requests/${ticket.reference}?token=${ticket.token}`).expect(200);

    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'waiting_on_customer');
    assert.equal(row.types.at(-1), 'info_requested');
    assert.equal(row.events.at(-1)!.data.message, QUESTION);
    const after = await clock(ticket.id);
    assert.ok(after.paused_since, 'the clock is paused');
    assert.ok(after.first_responded_at, 'the question is the first response');

    const view = await getTicket(desk, technician.token, ticket.reference).expect(200);
    assert.ok(view.body.service_levels.paused_since);
    assert.equal(view.body.claim.by, technician.user.email);
  });

  it('when the customer answers with text and a proof of purchase, then the answer is in the history, the request is back in triage with the due times pushed back by the pause, and matching runs again', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const link = await askAndReadLink(ticket.reference, ticket.id);
    // Two hours spent waiting on the customer.
    await desk.base.db.query(
      `UPDATE recovery_requests SET paused_since = now() - interval '2 hours' WHERE id = $1`,
      [ticket.id],
    );
    const paused = await clock(ticket.id);
    const [matched] = await desk.base.db.query<{ matched_at: Date }>(
      'SELECT matched_at FROM match_results WHERE request_id = $1',
      [ticket.id],
    );

    const res = await request(desk.app)
      .post(`/requests/${ticket.reference}/reply${link.search}`)
      .field('message', 'Here is my invoice.')
      .attach('attachment', PDF, { filename: 'invoice.pdf', contentType: 'application/pdf' })
      .expect(303);
    assert.match(res.headers.location ?? '', /replied=1/);

    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'triage');
    const reply = row.events.find((e) => e.type === 'customer_replied')!;
    assert.deepEqual(reply.data, { message: 'Here is my invoice.', attachment: 'invoice.pdf' });
    assert.equal(reply.actor, 'customer');
    const files = await desk.base.db.query('SELECT 1 FROM attachments WHERE request_id = $1', [ticket.id]);
    assert.equal(files.length, 1);

    const resumed = await clock(ticket.id);
    assert.equal(resumed.paused_since, null);
    const pushed = resumed.resolution_due_at.getTime() - paused.resolution_due_at.getTime();
    assert.ok(pushed >= 2 * HOUR && pushed < 2 * HOUR + 60_000, `pushed by ${pushed} ms`);

    await waitFor(
      async () => {
        const [again] = await desk.base.db.query<{ matched_at: Date }>(
          'SELECT matched_at FROM match_results WHERE request_id = $1',
          [ticket.id],
        );
        return again!.matched_at.getTime() > matched!.matched_at.getTime();
      },
      15_000,
      'matching to run again',
    );
  });

  it('when the answer is empty, then 422 with the form again, and nothing changes', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const link = await askAndReadLink(ticket.reference, ticket.id);
    const res = await request(desk.app)
      .post(`/requests/${ticket.reference}/reply${link.search}`)
      .type('form')
      .send({ message: '   ' })
      .expect(422);
    assert.match(res.text, /This field is required/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'waiting_on_customer');
  });

  it('when the token is wrong, then 404; when the request is not waiting for an answer, then 409', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    await request(desk.app)
      .post(`/requests/${ticket.reference}/reply?token=nope`)
      .type('form')
      .send({ message: 'hello' })
      .expect(404);
    await request(desk.app)
      .post(`/requests/${ticket.reference}/reply?token=${ticket.token}`)
      .type('form')
      .send({ message: 'hello' })
      .expect(409);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });

  it('when a question is asked twice without a key, then the second answers 409 and one email goes out', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: 'First?',
    }).expect(200);
    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'request_info',
      message: 'First?',
    }).expect(409);
    assert.match(res.body.message, /waiting_on_customer/);
    assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 1);
  });
});
