import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConfigError, imapMailboxOf, loadConfig } from '../src/config.ts';
import { startImapPoller, type ImapPoller } from '../src/inbound/imap-poller.ts';
import { readInboundRaw, storeInbound } from '../src/inbound/inbound.repository.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { Dovecot, skipWithoutDovecot } from './helpers/dovecot.ts';
import { INBOUND_DOMAIN, rawReply, storedInbound } from './helpers/inbound.ts';
import { waitFor } from './helpers/wait.ts';

// A private Dovecot holds the mailbox; the poller polls it as it would a provider's. The job
// workers do not run: what is checked is what the poller stores and flags.

const MAX_BYTES = 64 * 1024;
const skip = skipWithoutDovecot;
let desk: TestDesk;
let dovecot: Dovecot;
const pollers: ImapPoller[] = [];
const lines: string[] = [];
before(async () => {
  if (skip) return;
  dovecot = await Dovecot.start();
  desk = await startDesk({
    workers: false,
    env: { INBOUND_DOMAIN, INBOUND_MAX_BYTES: String(MAX_BYTES), LOG_LEVEL: 'info' },
    logDestination: { write: (line) => void lines.push(line) },
  });
});
after(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  await desk?.stop();
  await dovecot?.stop();
});
beforeEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  await desk?.base.db.query('TRUNCATE inbound_messages CASCADE');
});

/** A poller of the mailbox at `url`, polling every 5 s (the least the setting allows). */
function poll(url = dovecot.url()): ImapPoller {
  const { config } = desk.base;
  const inbound = { ...config.inbound, imap: imapMailboxOf(url).mailbox, imapPollSeconds: 5 };
  const poller = startImapPoller({ ...config, inbound }, desk.base.db, desk.base.logger);
  pollers.push(poller);
  return poller;
}

const seenOf = async (messageId: string) =>
  (await dovecot.flags()).find((f) => f.messageId === `<${messageId}>`)?.seen;

describe('when the mailbox holds unseen and seen messages', { skip }, () => {
  it('then each unseen one is stored byte for byte and then flagged seen, and seen ones are left alone', async () => {
    const unseen = rawReply();
    const alreadySeen = rawReply();
    await dovecot.deliver({ raw: unseen.raw }, { raw: alreadySeen.raw, seen: true });
    poll();
    await waitFor(async () => (await seenOf(unseen.messageId)) === true, 20_000, 'the message flagged seen');

    const stored = await storedInbound(desk.base.db);
    assert.deepEqual(
      stored.map((s) => [s.messageKey, s.via, s.jobs]),
      [[unseen.messageId, 'imap', 1]],
      'only the unseen message, with its inbound-email job',
    );
    const opened = await readInboundRaw(desk.base.db, desk.base.config, stored[0]!.id);
    assert.ok(opened?.equals(unseen.raw), 'the stored bytes are the bytes delivered');

    const later = rawReply();
    await dovecot.deliver({ raw: later.raw });
    await waitFor(async () => (await seenOf(later.messageId)) === true, 20_000, 'a later message taken too');
    assert.equal((await storedInbound(desk.base.db)).length, 2);
  });
});

describe('when the poller stored a message but stopped before flagging it seen', { skip }, () => {
  it('then the next poll fetches it again, stores nothing more, and flags it', async () => {
    const message = rawReply();
    await dovecot.deliver({ raw: message.raw });
    // What the earlier poller did before it was killed: stored, not flagged.
    await storeInbound(desk.base.db, desk.base.config, message.raw, { via: 'imap', from: null, to: [] });
    assert.equal(await seenOf(message.messageId), false);

    poll();
    await waitFor(async () => (await seenOf(message.messageId)) === true, 20_000, 'the message flagged seen');
    const stored = await storedInbound(desk.base.db);
    assert.deepEqual(
      stored.map((s) => [s.messageKey, s.jobs]),
      [[message.messageId, 1]],
      'stored once, one job',
    );
  });
});

describe('when a message in the mailbox is larger than INBOUND_MAX_BYTES', { skip }, () => {
  it('then it is recorded as oversize with its header only, no job, and flagged seen', async () => {
    const big = rawReply({ bodyBytes: MAX_BYTES + 4096 });
    await dovecot.deliver({ raw: big.raw });
    poll();
    await waitFor(async () => (await seenOf(big.messageId)) === true, 20_000, 'the message flagged seen');

    const [stored, ...more] = await storedInbound(desk.base.db);
    assert.deepEqual(more, []);
    assert.deepEqual(
      [stored!.messageKey, stored!.status, stored!.outcome, stored!.jobs],
      [big.messageId, 'processed', 'oversize', 0],
    );
    assert.ok(stored!.size > MAX_BYTES, 'its full size is recorded');
    const kept = (await readInboundRaw(desk.base.db, desk.base.config, stored!.id))!.toString('latin1');
    assert.match(kept, /^From: Ada Customer/);
    assert.ok(!kept.includes('back of the box'), 'without its body');
    assert.ok(kept.length < 1024);
  });
});

describe('when the mailbox password is wrong', { skip }, () => {
  it('then the poller logs that it cannot poll, without the password, and keeps trying', async () => {
    const wrong = 'not-the-password';
    const poller = poll(dovecot.url(wrong));
    await waitFor(() => poller.state === 'failing', 20_000, 'the poller failing');
    const failure = lines.find((l) => l.includes('cannot poll the mailbox'));
    assert.ok(failure, 'a log line says so');
    assert.match(failure, /"authenticationFailed":true/);
    assert.ok(!lines.some((l) => l.includes(wrong) || l.includes(dovecot.password)), 'no password logged');
    await poller.stop();
    assert.equal(poller.state, 'stopped');
  });
});

describe('when two pollers run on one database', { skip }, () => {
  it('then one polls and the other stands by, until the first stops', async () => {
    const first = poll();
    await waitFor(() => first.state === 'active', 20_000, 'the first poller active');
    const second = poll();
    await waitFor(() => second.state === 'standby', 20_000, 'the second poller standing by');

    const message = rawReply();
    await dovecot.deliver({ raw: message.raw });
    await waitFor(async () => (await seenOf(message.messageId)) === true, 20_000, 'the message flagged seen');
    assert.equal(second.state, 'standby');
    assert.equal((await storedInbound(desk.base.db)).length, 1);

    await first.stop();
    await waitFor(() => second.state === 'active', 20_000, 'the second poller taking over');
  });
});

describe('when INBOUND_IMAP_URL is set', () => {
  const env = { INBOUND_DOMAIN, SECRET_KEY: 'k'.repeat(32), DATA_DIR: '/tmp' };
  it('then its parts are taken apart, the password %-decoded, the mailbox INBOX unless named', () => {
    const config = loadConfig({
      ...env,
      INBOUND_IMAP_URL: 'imaps://desk%40example.com:p%40ss%2Fw@imap.example.com',
    });
    assert.deepEqual(config.inbound.imap, {
      secure: true,
      host: 'imap.example.com',
      port: 993,
      user: 'desk@example.com',
      password: 'p@ss/w',
      mailbox: 'INBOX',
    });
    const plain = loadConfig({ ...env, INBOUND_IMAP_URL: 'imap://u:p@127.0.0.1:1143/Replies/Desk' });
    assert.deepEqual([plain.inbound.imap?.port, plain.inbound.imap?.mailbox], [1143, 'Replies/Desk']);
  });

  it('then a bad one stops the start with a message naming the variable, never quoting the password', () => {
    for (const bad of [
      'imap://imap.example.com/INBOX',
      'pop3://u:secretpw@host/INBOX',
      'not a url secretpw',
    ]) {
      assert.throws(
        () => loadConfig({ ...env, INBOUND_IMAP_URL: bad }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.length === 1 &&
          error.problems[0]!.startsWith('INBOUND_IMAP_URL: ') &&
          !error.message.includes('secretpw'),
        bad,
      );
    }
  });
});
