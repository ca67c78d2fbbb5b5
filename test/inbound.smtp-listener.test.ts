import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { readInboundRaw } from '../src/inbound/inbound.repository.ts';
import { startSmtpListener, type SmtpListener } from '../src/inbound/smtp-listener.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import {
  INBOUND_DOMAIN,
  listenerSettings,
  rawReply,
  sendRaw,
  smtpCodeOf,
  storedInbound,
} from './helpers/inbound.ts';
import { waitFor } from './helpers/wait.ts';

// The desk's own SMTP listener, spoken to by Nodemailer as a sending mail server would. The job
// workers do not run: what is checked is what the listener stores and answers, not what comes of it.

const MAX_BYTES = 64 * 1024;
let desk: TestDesk;
let listener: SmtpListener;
const lines: string[] = [];
before(async () => {
  desk = await startDesk({
    workers: false,
    env: await listenerSettings({ INBOUND_MAX_BYTES: String(MAX_BYTES), LOG_LEVEL: 'info' }),
    logDestination: { write: (line) => void lines.push(line) },
  });
  listener = await startSmtpListener(desk.base.config, desk.base.db, desk.base.logger);
});
after(async () => {
  await listener?.stop();
  await desk?.stop();
});
beforeEach(() => desk.base.db.query('TRUNCATE inbound_messages CASCADE'));

describe('when a mail server delivers a reply to the listener', () => {
  it('then it is answered 250 and stored byte for byte, with its inbound-email job', async () => {
    const { raw, messageId } = rawReply();
    const sent = await sendRaw(listener.port, raw, [`Reply+Token123@${INBOUND_DOMAIN.toUpperCase()}`]);
    assert.match(sent.response, /^250 /);

    const [stored, ...more] = await storedInbound(desk.base.db);
    assert.deepEqual(more, [], 'one message');
    assert.equal(stored!.messageKey, messageId);
    assert.equal(stored!.via, 'smtp');
    assert.equal(stored!.jobs, 1, 'its inbound-email job is in the outbox');
    const opened = await readInboundRaw(desk.base.db, desk.base.config, stored!.id);
    assert.ok(opened?.equals(raw), 'the stored bytes are the bytes sent');
    const [envelope] = await desk.base.db.query<{ envelope_from: string; envelope_to: string[] }>(
      'SELECT envelope_from, envelope_to FROM inbound_messages WHERE id = $1',
      [stored!.id],
    );
    assert.equal(envelope!.envelope_from, 'ada@customer.example');
    // The local part as sent (it holds the reply token); the domain arrives in lower case.
    assert.deepEqual(envelope!.envelope_to, [`Reply+Token123@${INBOUND_DOMAIN}`]);
    assert.ok(!lines.join('\n').includes('back of the box'), 'no message body in the logs');
  });
});

describe('when a delivery report arrives with the empty sender (MAIL FROM:<>)', () => {
  it('then it is taken like any message, its envelope sender recorded as none', async () => {
    const { raw } = rawReply();
    const sent = await sendRaw(listener.port, raw, [`reply+abc@${INBOUND_DOMAIN}`], '');
    assert.match(sent.response, /^250 /);
    const [row] = await desk.base.db.query<{ envelope_from: string | null }>(
      'SELECT envelope_from FROM inbound_messages',
    );
    assert.equal(row?.envelope_from, null);
  });
});

describe('when a mail server greets the listener', () => {
  it('then it advertises SIZE as INBOUND_MAX_BYTES, and neither AUTH nor STARTTLS', async () => {
    const socket = connect(listener.port, '127.0.0.1');
    socket.setEncoding('utf8');
    let heard = '';
    socket.on('data', (chunk: string) => (heard += chunk));
    await waitFor(() => heard.startsWith('220 '), 5_000, 'the greeting');
    socket.write('EHLO sender.example\r\n');
    await waitFor(() => /^250 /m.test(heard.split('\r\n').slice(1).join('\n')), 5_000, 'the EHLO answer');
    socket.end('QUIT\r\n');
    assert.match(heard, new RegExp(`^250[- ]SIZE ${MAX_BYTES}\\r$`, 'm'));
    assert.doesNotMatch(heard, /AUTH|STARTTLS/);
  });
});

describe('when the recipient is at another domain', () => {
  it('then it is refused at RCPT with 550 and nothing is stored', async () => {
    const { raw } = rawReply({ to: 'someone@elsewhere.example' });
    const code = await smtpCodeOf(sendRaw(listener.port, raw, ['someone@elsewhere.example']));
    assert.equal(code, 550);
    const lookalike = await smtpCodeOf(sendRaw(listener.port, raw, [`x@evil${INBOUND_DOMAIN}`]));
    assert.equal(lookalike, 550, 'a domain that only ends like ours is not ours');
    assert.deepEqual(await storedInbound(desk.base.db), []);
  });
});

describe('when a message is larger than INBOUND_MAX_BYTES', () => {
  it('then it is refused with 552 and nothing is stored', async () => {
    const { raw } = rawReply({ bodyBytes: MAX_BYTES + 1024 });
    assert.equal(await smtpCodeOf(sendRaw(listener.port, raw)), 552);
    assert.deepEqual(await storedInbound(desk.base.db), []);

    const { raw: fits } = rawReply({ bodyBytes: MAX_BYTES - 2048 });
    assert.equal(await smtpCodeOf(sendRaw(listener.port, fits)), undefined, 'one just under is taken');
    assert.equal((await storedInbound(desk.base.db)).length, 1);
  });
});

describe('when the same message (the same Message-ID) arrives twice', () => {
  it('then both deliveries are answered 250 and it is stored once, with one job', async () => {
    const { raw, messageId } = rawReply();
    await sendRaw(listener.port, raw);
    const again = await sendRaw(listener.port, raw);
    assert.match(again.response, /^250 /);
    const stored = await storedInbound(desk.base.db);
    assert.deepEqual(
      stored.map((s) => [s.messageKey, s.jobs]),
      [[messageId, 1]],
    );
  });
});
