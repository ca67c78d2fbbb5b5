import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SENDING_LEASE_SECONDS } from '../src/mail/mail.service.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0' } });
});
after(() => desk.stop());

async function file(): Promise<{ reference: string; emailId: number }> {
  const res = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
  const [row] = await desk.base.db.query<{ id: number }>(
    `SELECT e.id FROM emails e JOIN recovery_requests r ON r.id = e.request_id WHERE r.reference = $1`,
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

describe('sending email', () => {
  it('when the SMTP server refuses for a while (4xx), then the email is retried with backoff and arrives exactly once', async () => {
    desk.smtp.refuse(2, 451, 'Greylisted, try again');
    const { reference, emailId } = await file();
    const mail = await desk.smtp.waitForSubject(reference, 30_000);
    assert.match(
      mail.parsed.messageId ?? '',
      /^<[0-9a-f-]{36}@localhost>$/,
      'a Message-ID on the sender domain',
    );
    // The row is marked sent once the SMTP server has answered, a moment after the message arrives.
    await waitFor(
      async () => (await emailRow(emailId)).status !== 'sending',
      10_000,
      'the send to be recorded',
    );
    const row = await emailRow(emailId);
    assert.equal(row.status, 'sent');
    assert.equal(row.attempts, 3);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(desk.smtp.withSubject(reference).length, 1);
  });

  it('when the SMTP server rejects for good (5xx), then the failure is recorded on the email and it is not retried', async () => {
    desk.smtp.refuse(1, 550, 'Mailbox unavailable');
    const before = desk.smtp.attempts;
    const { emailId } = await file();
    await waitFor(
      async () => (await emailRow(emailId)).status === 'failed',
      10_000,
      'the email to be marked failed',
    );
    const row = await emailRow(emailId);
    assert.equal(row.attempts, 1);
    assert.match(row.last_error ?? '', /Mailbox unavailable/);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(desk.smtp.attempts - before, 1, 'one try only');
  });

  it('when the same email is queued twice, then it is sent once', async () => {
    const { reference, emailId } = await file();
    await desk.smtp.waitForSubject(reference);
    await desk.web.queues.addBulk([
      { name: 'send-email', payload: { emailId }, jobId: `again-${emailId}-1` },
      { name: 'send-email', payload: { emailId }, jobId: `again-${emailId}-2` },
    ]);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(desk.smtp.withSubject(reference).length, 1);
  });

  it('when a sender died mid-send (row left sending past its lease), then the email is marked unconfirmed and never resent by itself', async () => {
    // A desk without workers files the request, so the row can be put in the state a killed sender leaves.
    const stopped = await startDesk({
      redis: desk.redis,
      database: desk.database,
      smtp: desk.smtp,
      workers: false,
    });
    try {
      const res = await request(stopped.app)
        .post('/api/v1/recovery-requests')
        .send(validRequest())
        .expect(201);
      const [row] = await desk.base.db.query<{ id: number }>(
        'SELECT e.id FROM emails e JOIN recovery_requests r ON r.id = e.request_id WHERE r.reference = $1',
        [res.body.reference],
      );
      await desk.base.db.query(
        `UPDATE emails SET status = 'sending', attempts = 1, sending_since = now() - make_interval(secs => $2) WHERE id = $1`,
        [row!.id, SENDING_LEASE_SECONDS + 5],
      );
      await desk.web.queues.addBulk([
        { name: 'send-email', payload: { emailId: row!.id }, jobId: `stale-${row!.id}` },
      ]);
      await waitFor(async () => (await emailRow(row!.id)).status === 'unconfirmed', 10_000, 'unconfirmed');
      assert.equal(desk.smtp.withSubject(res.body.reference as string).length, 0);
    } finally {
      await stopped.stop();
    }
  });
});

describe('without SMTP_URL', () => {
  it('when an email is sent, then it is written as an .eml file under DATA_DIR/outbox', async () => {
    const local = await startDesk({ env: { SMTP_URL: '' }, redis: desk.redis });
    try {
      const res = await request(local.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
      const dir = path.join(local.dataDir, 'outbox');
      await waitFor(() => {
        try {
          return readdirSync(dir).some((f) => f.endsWith('.eml'));
        } catch {
          return false;
        }
      });
      const [name] = readdirSync(dir).filter((f) => f.endsWith('.eml'));
      const eml = readFileSync(path.join(dir, name!), 'utf8');
      assert.match(eml, new RegExp(`Subject: We received your request ${String(res.body.reference)}`));
      assert.match(eml, /Content-Type: text\/plain/);
      assert.match(eml, /Content-Type: text\/html/);
    } finally {
      await local.stop();
    }
  });
});
