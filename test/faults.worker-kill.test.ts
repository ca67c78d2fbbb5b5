import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { FaultDesk, file, processingReport, requestFor } from './helpers/fault-desk.ts';
import { csrfFrom } from './helpers/session.ts';
import { createUserWithToken } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

// A worker process is killed (SIGKILL: no clean-up of any kind) while it holds a match half-done
// inside its transaction and an email whose SMTP answer has not come back. BullMQ's stalled-job
// check hands both jobs to the next worker; the match must land once, the email must not go twice.

let desk: FaultDesk | undefined;
before(async () => {
  desk = await FaultDesk.start();
});
after(() => desk?.stop());

describe('when a worker process is killed mid-match and mid-send', { timeout: 240_000 }, () => {
  it('then every request is matched once, the email is not sent twice but marked unconfirmed, and a technician can send it again once', async (t) => {
    assert.ok(desk, 'the fault desk started');
    const d = desk;
    const web = await d.spawn('web');
    const purchases = await Promise.all(Array.from({ length: 5 }, () => d.purchase()));
    const references: string[] = [];
    for (const p of purchases) {
      const filed = await file(web.url, requestFor(p));
      assert.equal(filed.status, 201, filed.error);
      references.push(filed.reference!);
    }
    const [first] = await d.db.query<{ id: number }>(
      'SELECT id FROM recovery_requests WHERE reference = $1',
      [references[0]],
    );

    // Hold the first request's row, so its match stops inside the worker's transaction.
    const locker = new pg.Client({ connectionString: d.database.url });
    locker.on('error', () => {}); // dropped with the database if the test fails first
    await locker.connect();
    t.after(() => locker.end().catch(() => {}));
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM recovery_requests WHERE id = $1 FOR UPDATE', [first!.id]);
    // And let the first email reach the SMTP server, which takes it but never answers.
    d.smtp.failMessages({ hold: true, delivered: true });

    const doomed = await d.spawn('worker');
    let state = '';
    await waitFor(
      async () => {
        // Asked outside the locker's transaction: pg_stat_activity is read once per transaction.
        const waiting = await d.db.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        state = `SMTP holds ${d.smtp.held.length}, backends waiting on a lock ${waiting.length}`;
        return d.smtp.held.length === 1 && waiting.length > 0;
      },
      60_000,
      'a match blocked mid-transaction and an email held mid-send',
    ).catch((error: Error) => {
      throw new Error(`${error.message} (${state})\n${doomed.log(15)}`);
    });
    const held = /RD-[0-9A-Z]{8}/.exec(d.smtp.held[0]!.subject)?.[0] ?? '?';
    const ended = await doomed.kill('SIGKILL');
    assert.equal(ended.signal, 'SIGKILL');
    await locker.query('ROLLBACK');
    await locker.end();
    // The email's sending lease (SENDING_LEASE_SECONDS) runs out: as if two minutes had passed.
    await d.db.query(`UPDATE emails SET sending_since = now() - interval '1 hour' WHERE status = 'sending'`);

    await d.spawn('worker');
    await waitFor(
      async () => {
        const report = await processingReport(d, references);
        const emails = await d.db.query<{ status: string }>('SELECT status FROM emails ORDER BY id');
        state = `requests ${report.map((r) => r.status).join(',')}; emails ${emails.map((e) => e.status).join(',')}`;
        return (
          report.every((r) => r.status === 'triage') &&
          emails.every((e) => e.status === 'sent' || e.status === 'unconfirmed')
        );
      },
      150_000,
      'every request in triage and every email sent or unconfirmed',
    ).catch((error: Error) => {
      throw new Error(`${error.message} (${state})\n${d.processes.at(-1)?.log(20) ?? ''}`);
    });

    const report = await processingReport(d, references);
    for (const r of report) {
      assert.equal(r.match_results, 1, `${r.reference}: one match result`);
      assert.equal(r.matched_events, 1, `${r.reference}: one 'matched' event`);
    }
    assert.deepEqual(d.smtp.duplicates(), [], 'no email arrived twice');
    // Emails in flight when the sender died (the held one, and any others) are unconfirmed; each
    // went at most once. The rest went exactly once.
    const emails = await d.db.query<{ id: number; status: string; last_error: string; reference: string }>(
      `SELECT e.id, e.status, e.last_error, r.reference FROM emails e JOIN recovery_requests r ON r.id = e.request_id`,
    );
    for (const e of emails) {
      const arrived = d.smtp.withSubject(e.reference).length;
      if (e.status === 'sent') assert.equal(arrived, 1, `${e.reference}: sent exactly once`);
      else {
        assert.ok(arrived <= 1, `${e.reference}: unconfirmed, at most once`);
        assert.match(e.last_error, /may not have been delivered/);
      }
    }
    const email = emails.find((e) => e.reference === held);
    assert.equal(email?.status, 'unconfirmed', 'the email the sender died on is unconfirmed');
    assert.equal(d.smtp.withSubject(held).length, 1, 'it had reached the server once');

    // A person sees it in the console and sends it again: two clicks, one resend.
    const tech = await createUserWithToken(d.db, 'technician');
    const agent = request.agent(web.url);
    const form = await agent.get('/desk/sign-in').expect(200);
    await agent
      .post('/desk/sign-in')
      .type('form')
      .send({ email: tech.user.email, password: tech.password, _csrf: csrfFrom(form.text) })
      .expect(303);
    const page = await agent.get(`/desk/requests/${email.reference}`).expect(200);
    assert.match(page.text, /unconfirmed/);
    assert.match(page.text, new RegExp(`action="/desk/emails/${email.id}/resend"`));
    const csrf = csrfFrom(page.text);
    const clicks = await Promise.all(
      [1, 2].map(() => agent.post(`/desk/emails/${email.id}/resend`).type('form').send({ _csrf: csrf })),
    );
    assert.deepEqual(clicks.map((c) => c.status).sort(), [303, 409]);
    await waitFor(
      async () =>
        (await d.db.query<{ status: string }>('SELECT status FROM emails WHERE id = $1', [email.id]))[0]
          ?.status === 'sent',
      60_000,
      'the resent email sent',
    );
    const events = await d.db.query<{ actor: string; data: { previous_status: string } }>(
      `SELECT e.actor, e.data FROM request_events e JOIN recovery_requests r ON r.id = e.request_id
        WHERE r.reference = $1 AND e.type = 'email_resent'`,
      [email.reference],
    );
    assert.equal(events.length, 1, 'one history entry');
    assert.equal(events[0]!.actor, tech.user.email);
    assert.equal(events[0]!.data.previous_status, 'unconfirmed');
    await waitFor(() => d.smtp.withSubject(email.reference).length === 2, 30_000, 'the resend at the server');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(d.smtp.withSubject(email.reference).length, 2, "the person's resend, once");
  });
});
