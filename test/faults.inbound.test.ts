import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { imapMailboxOf } from '../src/config.ts';
import { openPostgres, type Db } from '../src/db/db.ts';
import { startImapPoller } from '../src/inbound/imap-poller.ts';
import { readInboundRaw } from '../src/inbound/inbound.repository.ts';
import { startSmtpListener, type SmtpListener } from '../src/inbound/smtp-listener.ts';
import { newReplyToken, replyAddress } from '../src/mail/reply-tokens.ts';
import { freePort } from '../src/redis/redis-server.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { Dovecot, skipWithoutDovecot } from './helpers/dovecot.ts';
import { FaultDesk, file, requestFor } from './helpers/fault-desk.ts';
import {
  INBOUND_DOMAIN,
  listenerSettings,
  rawReply,
  sendRaw,
  smtpCodeOf,
  storedInbound,
} from './helpers/inbound.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait.ts';

// The listener reaches PostgreSQL through a TCP proxy of the test's own: cutting it refuses every
// connection, as a database host going away does (faults.postgres-outage.test.ts does the same).

describe('when PostgreSQL or Redis is unreachable while mail arrives', { timeout: 120_000 }, () => {
  let desk: TestDesk;
  let proxy: TcpProxy;
  let proxied: Db;
  let listener: SmtpListener;
  before(async () => {
    desk = await startDesk({ workers: false, env: await listenerSettings() });
    const direct = new URL(desk.database.url);
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(desk.database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    proxied = openPostgres(viaProxy.toString());
    listener = await startSmtpListener(desk.base.config, proxied, desk.base.logger, () =>
      desk.web.relay.wake(),
    );
  });
  after(async () => {
    await listener?.stop();
    await proxied?.close();
    await proxy?.cut();
    await desk?.stop();
  });

  it('then, PostgreSQL away, the listener answers 451 and stores nothing, and the sender’s retry stores it once it is back', async () => {
    const { raw, messageId } = rawReply();
    await proxy.cut();
    assert.equal(await smtpCodeOf(sendRaw(listener.port, raw)), 451, 'temporary: the sender keeps it');
    assert.deepEqual(await storedInbound(desk.base.db), [], 'nothing stored');

    await proxy.restore();
    const retry = await sendRaw(listener.port, raw);
    assert.match(retry.response, /^250 /);
    const stored = await storedInbound(desk.base.db);
    assert.deepEqual(
      stored.map((s) => [s.messageKey, s.jobs]),
      [[messageId, 1]],
    );
    const opened = await readInboundRaw(desk.base.db, desk.base.config, stored[0]!.id);
    assert.ok(opened?.equals(raw));
  });

  it('then, Redis away, the listener still answers 250: the job waits in the outbox and reaches its queue once Redis is back', async () => {
    const relayed = async () =>
      (await desk.base.db.query('SELECT 1 FROM outbox WHERE dispatched_at IS NULL')).length === 0;
    await waitFor(relayed, 30_000, 'the earlier job relayed');
    await desk.base.db.query('TRUNCATE inbound_messages CASCADE');
    await desk.redis.stop();
    try {
      const { raw } = rawReply();
      const sent = await sendRaw(listener.port, raw);
      assert.match(sent.response, /^250 /);
      const [stored] = await storedInbound(desk.base.db);
      assert.equal(stored?.jobs, 1);
      const waiting = await desk.base.db.query(
        `SELECT 1 FROM outbox WHERE job_name = 'inbound-email' AND dispatched_at IS NULL`,
      );
      assert.equal(waiting.length, 1, 'the job waits in the outbox');
    } finally {
      await desk.redis.start();
    }
    await waitFor(relayed, 30_000, 'the outbox relayed');
    const [row] = await desk.base.db.query<{ job_id: string }>(
      `SELECT job_id FROM outbox WHERE job_name = 'inbound-email' ORDER BY id DESC LIMIT 1`,
    );
    const job = await desk.web.queues.get('inbound').getJob(row!.job_id);
    assert.equal(job?.name, 'inbound-email', 'the job reached its queue');
  });
  it(
    'then, PostgreSQL away, the mailbox poller flags nothing and keeps trying, and stores each message once it is back',
    { skip: skipWithoutDovecot },
    async () => {
      await desk.base.db.query('TRUNCATE inbound_messages CASCADE');
      const dovecot = await Dovecot.start();
      const { config } = desk.base;
      const inbound = { ...config.inbound, imap: imapMailboxOf(dovecot.url()).mailbox, imapPollSeconds: 5 };
      const poller = startImapPoller({ ...config, inbound }, proxied, desk.base.logger);
      try {
        const { raw, messageId } = rawReply();
        await proxy.cut();
        await dovecot.deliver({ raw });
        await waitFor(() => poller.state === 'failing', 20_000, 'the poller failing');
        assert.deepEqual(
          await dovecot.flags(),
          [{ messageId: `<${messageId}>`, seen: false }],
          'not flagged',
        );

        await proxy.restore();
        await waitFor(
          async () => (await dovecot.flags())[0]?.seen === true,
          30_000,
          'the message flagged seen',
        );
        assert.deepEqual(
          (await storedInbound(desk.base.db)).map((s) => [s.messageKey, s.jobs]),
          [[messageId, 1]],
        );
        assert.equal(poller.state, 'active');
      } finally {
        await proxy.restore();
        await poller.stop();
        await dovecot.stop();
      }
    },
  );
});

describe('when the worker process runs with both settings and the mailbox refuses its password', () => {
  let desk: FaultDesk | undefined;
  let dovecot: Dovecot | undefined;
  after(async () => {
    await desk?.stop();
    await dovecot?.stop();
  });

  it(
    'then the listener takes mail, the poller logs its failure, the process stays up and stops cleanly on SIGTERM',
    { skip: skipWithoutDovecot, timeout: 120_000 },
    async () => {
      dovecot = await Dovecot.start();
      desk = await FaultDesk.start();
      const port = await freePort();
      const worker = await desk.spawn('worker', {
        INBOUND_DOMAIN,
        INBOUND_SMTP_PORT: String(port),
        INBOUND_SMTP_HOST: '127.0.0.1',
        INBOUND_IMAP_URL: dovecot.url('wrong-password'),
        INBOUND_IMAP_POLL_SECONDS: '5',
      });
      await waitFor(
        () => worker.lines.some((l) => l.includes('SMTP listener started')),
        20_000,
        'the listener',
      );
      const { raw, messageId } = rawReply();
      assert.match((await sendRaw(port, raw)).response, /^250 /);
      assert.deepEqual(
        (await storedInbound(desk.db)).map((s) => s.messageKey),
        [messageId],
      );

      await waitFor(
        () => worker.lines.filter((l) => l.includes('cannot poll the mailbox')).length >= 2,
        30_000,
        'the poller failing and trying again',
      );
      assert.ok(worker.running, 'the process is still up');
      assert.ok(!worker.lines.some((l) => l.includes('wrong-password')), 'the password is not logged');

      assert.deepEqual(await worker.kill('SIGTERM'), { code: 0, signal: null }, worker.log());
      assert.equal(await smtpCodeOf(sendRaw(port, rawReply().raw)).catch(() => 'refused'), 'refused');
    },
  );
});

describe('when the worker process is killed while it threads a reply', () => {
  let desk: FaultDesk | undefined;
  after(() => desk?.stop());

  it(
    'then the next worker threads it, once: the kill left the message received and nothing of it in history',
    { timeout: 240_000 },
    async (t) => {
      desk = await FaultDesk.start();
      const d = desk;
      const port = await freePort();
      const inboundEnv = { INBOUND_DOMAIN, INBOUND_SMTP_PORT: String(port), INBOUND_SMTP_HOST: '127.0.0.1' };
      const web = await d.spawn('web');
      const doomed = await d.spawn('worker', inboundEnv);
      const filed = await file(web.url, requestFor(await d.purchase()));
      assert.equal(filed.status, 201, filed.error);
      let requestId = 0;
      await waitFor(
        async () => {
          const [row] = await d.db.query<{ id: number; status: string }>(
            'SELECT id::int AS id, status FROM recovery_requests WHERE reference = $1',
            [filed.reference],
          );
          requestId = row?.id ?? 0;
          return row?.status === 'triage';
        },
        60_000,
        'the request in triage',
      );
      const to = replyAddress(await newReplyToken(d.db, requestId), INBOUND_DOMAIN);

      // Hold the request's row, so the reply's job stops inside its transaction, message locked.
      const locker = new pg.Client({ connectionString: d.database.url });
      locker.on('error', () => {});
      await locker.connect();
      t.after(() => locker.end().catch(() => {}));
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM recovery_requests WHERE id = $1 FOR UPDATE', [requestId]);

      const { raw, messageId } = rawReply({ to });
      assert.match((await sendRaw(port, raw, [to])).response, /^250 /);
      await waitFor(
        async () =>
          (
            await d.db.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          ).length > 0,
        60_000,
        'the reply’s job blocked mid-transaction',
      );
      assert.equal((await doomed.kill('SIGKILL')).signal, 'SIGKILL');
      await locker.query('ROLLBACK');
      const replied = () =>
        d.db.query(`SELECT 1 FROM request_events WHERE request_id = $1 AND type = 'customer_replied'`, [
          requestId,
        ]);
      const [left] = await storedInbound(d.db);
      assert.deepEqual(
        [left?.messageKey, left?.status, (await replied()).length],
        [messageId, 'received', 0],
      );

      await d.spawn('worker', inboundEnv);
      await waitFor(
        async () => (await storedInbound(d.db))[0]?.status === 'processed',
        150_000,
        'the next worker processing the reply',
      );
      assert.equal((await storedInbound(d.db))[0]!.outcome, 'message');
      assert.equal((await replied()).length, 1, 'threaded once');
    },
  );
});
