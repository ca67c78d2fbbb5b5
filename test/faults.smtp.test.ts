import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { FaultySmtp } from './helpers/faulty-smtp.ts';
import { signInAs } from './helpers/session.ts';
import { waitFor } from './helpers/wait.ts';

// The desk sends through a real SMTP server behind a TCP front the test controls: connections
// dropped or left silent, a message cut off before its answer, refusals. mail.delivery.test.ts
// covers a 4xx refusal retried and a 5xx recorded; these add the network faults and the way back
// from a permanent failure (the console's resend).

let desk: TestDesk;
let smtp: FaultySmtp;
before(async () => {
  smtp = await FaultySmtp.start();
  desk = await startDesk({
    env: { SMTP_URL: smtp.url, INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' },
  });
});
after(async () => {
  await desk.stop();
  await smtp.stop();
});

async function fileOne(): Promise<{ reference: string; emailId: number }> {
  const res = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
  const [row] = await desk.base.db.query<{ id: number }>(
    'SELECT e.id FROM emails e JOIN recovery_requests r ON r.id = e.request_id WHERE r.reference = $1',
    [res.body.reference],
  );
  return { reference: res.body.reference as string, emailId: row!.id };
}

async function emailRow(id: number) {
  const [row] = await desk.base.db.query<{ status: string; attempts: number; last_error: string | null }>(
    'SELECT status, attempts, last_error FROM emails WHERE id = $1',
    [id],
  );
  return row!;
}

/** Waits for the email to be sent, then checks it arrived exactly once after `tries` attempts or more. */
async function arrivesOnce(reference: string, emailId: number, tries: number) {
  await waitFor(async () => (await emailRow(emailId)).status === 'sent', 60_000, `${reference} sent`);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(smtp.withSubject(reference).length, 1, 'arrived exactly once');
  assert.ok((await emailRow(emailId)).attempts >= tries, `at least ${tries} attempts`);
}

describe('when the SMTP server misbehaves', { timeout: 120_000 }, () => {
  it('when it drops connections as they open, then the email is retried and arrives once', async () => {
    smtp.failConnections('drop', 'drop');
    const { reference, emailId } = await fileOne();
    // Nodemailer's pool may retry a connection that failed before the message began on its own.
    await arrivesOnce(reference, emailId, 1);
    assert.equal(smtp.faultsLeft, 0, 'both connections were dropped');
  });

  it('when it accepts the connection and never answers (timeout), then the email is retried and arrives once', async () => {
    smtp.failConnections('silent');
    const { reference, emailId } = await fileOne();
    await arrivesOnce(reference, emailId, 2);
  });

  it('when the connection drops after the message is sent and before its answer, then it is retried and arrives once', async () => {
    smtp.failMessages({ hold: true, delivered: false });
    const { reference, emailId } = await fileOne();
    await waitFor(() => smtp.held.length === 1, 30_000, 'the message held');
    smtp.dropAll();
    smtp.releaseHeld(new Error('connection gone'));
    await arrivesOnce(reference, emailId, 2);
  });

  it('when it refuses for a while (4xx) and then for good (5xx), then the email is failed with the reason, shown in the console, and sent again once on a technician’s word', async () => {
    smtp.failMessages(
      { refuse: 451, message: 'Greylisted' },
      { refuse: 550, message: 'Mailbox unavailable' },
    );
    const { reference, emailId } = await fileOne();
    await waitFor(async () => (await emailRow(emailId)).status === 'failed', 60_000, 'the email failed');
    const failed = await emailRow(emailId);
    assert.equal(failed.attempts, 2, 'retried after the 4xx, not after the 5xx');
    assert.match(failed.last_error ?? '', /Mailbox unavailable/);
    assert.equal(smtp.withSubject(reference).length, 0);

    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const page = await tech.agent.get(`/desk/requests/${reference}`).expect(200);
    assert.match(page.text, /email-failed/);
    assert.match(page.text, /Last error: [^<]*Mailbox unavailable/, 'the console says why');
    assert.match(page.text, new RegExp(`action="/desk/emails/${emailId}/resend"`));
    await tech.agent
      .post(`/desk/emails/${emailId}/resend`)
      .type('form')
      .send({ _csrf: tech.csrfToken })
      .expect(303);
    await tech.agent
      .post(`/desk/emails/${emailId}/resend`)
      .type('form')
      .send({ _csrf: tech.csrfToken })
      .expect(409);
    await arrivesOnce(reference, emailId, 3);
    const events = await desk.base.db.query<{ data: { previous_status: string } }>(
      `SELECT data FROM request_events e JOIN recovery_requests r ON r.id = e.request_id
        WHERE r.reference = $1 AND type = 'email_resent'`,
      [reference],
    );
    assert.deepEqual(
      events.map((e) => e.data.previous_status),
      ['failed'],
    );
    // The history says it in words, not as the event's JSON.
    const after = (await tech.agent.get(`/desk/requests/${reference}`).expect(200)).text;
    assert.match(after, /sent the request-received email again \(it was failed\)/);
    assert.doesNotMatch(after, /email resent \{/);
  });

  it('when a resend comes without the CSRF token, from an anonymous visitor, or for an email already sent, then nothing is queued', async () => {
    const { reference, emailId } = await fileOne();
    await arrivesOnce(reference, emailId, 1);
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    await tech.agent.post(`/desk/emails/${emailId}/resend`).type('form').send({}).expect(403);
    await request(desk.app).post(`/desk/emails/${emailId}/resend`).type('form').send({}).expect(401);
    await tech.agent
      .post(`/desk/emails/${emailId}/resend`)
      .type('form')
      .send({ _csrf: tech.csrfToken })
      .expect(409);
    await tech.agent
      .post('/desk/emails/999999999/resend')
      .type('form')
      .send({ _csrf: tech.csrfToken })
      .expect(404);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(smtp.withSubject(reference).length, 1);
  });
});
