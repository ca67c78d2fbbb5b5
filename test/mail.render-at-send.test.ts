import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { resendEmail } from '../src/mail/resend.service.ts';
import { startWorkers, type Workers } from '../workers/index.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

// Intake stores what to send; the email job renders it (STYLE habit 5). The desk starts without
// workers so the row can be read as intake left it; the test starts them when it wants the mail.
let desk: TestDesk;
let workers: Workers | undefined;
let tech: TestUser;
before(async () => {
  desk = await startDesk({ workers: false, env: { INTAKE_LIMIT_PER_IP: '0' } });
  tech = await createUserWithToken(desk.base.db, 'technician');
});
after(async () => {
  await workers?.stop();
  await desk.stop();
});

interface StoredEmail {
  id: number;
  status: string;
  subject: string | null;
  html: string | null;
  text: string | null;
  facts: Record<string, unknown> | null;
  secret_facts_enc: string | null;
  secret_html_enc: string | null;
  whole: string;
}

async function emailOf(reference: string): Promise<StoredEmail> {
  const [row] = await desk.base.db.query<StoredEmail>(
    `SELECT e.id, e.status, e.subject, e.html, e.text, e.facts, e.secret_facts_enc, e.secret_html_enc,
            row_to_json(e)::text AS whole
       FROM emails e JOIN recovery_requests r ON r.id = e.request_id WHERE r.reference = $1`,
    [reference],
  );
  return row!;
}

async function waitForStatus(id: number, status: string): Promise<void> {
  await waitFor(
    async () =>
      (await desk.base.db.query<{ status: string }>('SELECT status FROM emails WHERE id = $1', [id]))[0]
        ?.status === status,
    15_000,
    `email ${id} ${status}`,
  );
}

describe('emails rendered by the email job', () => {
  let filed: { reference: string; token: string; status_url: string };
  let emailId: number;

  it('when a request is filed, then its email row holds the facts, the status link only encrypted, and no rendered copy', async () => {
    const body = validRequest({ name: 'Ottilie Brandt' });
    filed = (await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201)).body;
    const row = await emailOf(filed.reference);
    emailId = row.id;
    assert.equal(row.status, 'pending');
    assert.equal(row.subject, null, 'not rendered inside the request');
    assert.equal(row.html, null);
    assert.deepEqual(row.facts, {
      name: 'Ottilie Brandt',
      reference: filed.reference,
      statusUrl: `http://desk.test/requests/${filed.reference}`,
    });
    assert.ok(row.secret_facts_enc, 'the link with its token, encrypted');
    assert.ok(!row.whole.includes(filed.token), 'the token is in no column in clear');

    // The console and the API show what the job will record, masked.
    const ticket = await request(desk.app)
      .get(`/api/v1/tickets/${filed.reference}`)
      .set('Authorization', `Bearer ${tech.token}`)
      .expect(200);
    const [listed] = ticket.body.emails as { subject: string }[];
    assert.ok(listed!.subject.includes(filed.reference), listed!.subject);
    assert.ok(!JSON.stringify(ticket.body).includes(filed.token));
  });

  it('when the email job runs, then the customer gets the link with its token and the row keeps the masked copy', async () => {
    workers = startWorkers(desk.base);
    desk.web.relay.wake();
    const mail = await desk.smtp.waitForSubject(filed.reference, 15_000);
    assert.ok(mail.parsed.text?.includes(filed.status_url), 'the text part has the link with its token');
    assert.ok(mail.parsed.html?.includes(filed.token), 'so has the HTML part');
    await waitForStatus(emailId, 'sent');
    const row = await emailOf(filed.reference);
    assert.equal(row.subject, mail.parsed.subject);
    assert.ok(row.text!.includes(`http://desk.test/requests/${filed.reference}`), 'the masked link');
    assert.ok(row.secret_html_enc, 'the sent copy, encrypted');
    assert.ok(!row.whole.includes(filed.token), 'the token is still in no column in clear');
  });

  it('when a sent email is sent again, then it leaves exactly as first rendered, whatever its facts say now', async () => {
    const first = desk.smtp.withSubject(filed.reference);
    assert.equal(first.length, 1);
    // Facts changed behind the record's back: a resend must not render them again.
    await desk.base.db.query(
      `UPDATE emails SET status = 'unconfirmed', facts = jsonb_set(facts, '{name}', '"Someone Else"') WHERE id = $1`,
      [emailId],
    );
    await resendEmail({ db: desk.base.db, relay: desk.web.relay }, tech.user, emailId);
    await waitFor(() => desk.smtp.withSubject(filed.reference).length === 2, 15_000, 'the resend');
    const [again] = desk.smtp.withSubject(filed.reference).slice(1);
    assert.equal(again!.parsed.text, first[0]!.parsed.text);
    assert.equal(again!.parsed.html, first[0]!.parsed.html);
    assert.ok(!again!.parsed.text?.includes('Someone Else'));
  });

  it('when an email names a template that does not exist, then it fails for good with the reason and nothing is sent', async () => {
    const received = desk.smtp.received.length;
    const [row] = await desk.base.db.query<{ id: number }>(
      `WITH e AS (INSERT INTO emails (request_id, template, locale, to_address, facts)
                  VALUES (NULL, 'no-such-template', 'en', 'nobody@example.com', '{}') RETURNING id),
            o AS (INSERT INTO outbox (queue, job_name, payload) SELECT 'email', 'send-email', jsonb_build_object('emailId', id) FROM e)
       SELECT id FROM e`,
    );
    desk.web.relay.wake();
    await waitForStatus(row!.id, 'failed');
    const [failed] = await desk.base.db.query<{ last_error: string }>(
      'SELECT last_error FROM emails WHERE id = $1',
      [row!.id],
    );
    assert.match(failed!.last_error, /no-such-template/);
    assert.equal(desk.smtp.received.length, received);
  });
});
