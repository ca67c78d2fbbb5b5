import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replyText } from '../src/inbound/reply-text.ts';
import { MAX_DETAILS } from '../src/requests/requests.schema.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { deliver, INBOUND_DOMAIN, replyAddressFor } from './helpers/inbound.ts';
import { fileMatchedRequest, purchase } from './helpers/tickets.ts';

/**
 * Real-looking replies (test/fixtures/inbound/*.eml) from Gmail, Outlook, Apple Mail and
 * Thunderbird in English, German and Russian, HTML-only ones, an auto-reply, a bounce, a loop, a
 * pasted code, a PDF and a disguised program, each delivered to a request of its own. The results
 * table (fixture, threaded as, text kept, quoted removed) is written to
 * test-artifacts/inbound-fixtures.md.
 */
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'inbound');
const FIXTURE_TOKEN = `reply+${'a'.repeat(26)}@${INBOUND_DOMAIN}`;
const FIXTURE_UUID = '00000000-0000-4000-8000-000000000000';
// Each fixture quotes the desk's question in its language: none of it may be kept.
const QUESTIONS = /Which store did you buy|In welchem Geschäft|В каком магазине|Recovery Desk/;

interface Expected {
  outcome: string;
  /** Words the kept text has (a masked code, the end of the new text). */
  kept?: RegExp;
  /** What the history names: stored and refused attachments. */
  attachment?: string;
  refused?: string[];
}

const EXPECTED: Record<string, Expected> = {
  'gmail-en.eml': { outcome: 'message', kept: /on 31 October 2024\.\n\nAnna$/ },
  'gmail-de.eml': { outcome: 'message', kept: /im Online Store DE gekauft\.\n\nViele Grüße\nJonas$/ },
  'gmail-ru.eml': { outcome: 'message', kept: /31 октября 2024 года\.\n\nИван$/ },
  'gmail-html-only-ru.eml': { outcome: 'message', kept: /купил в интернет-магазине\.\n\nИван$/ },
  'outlook-en.eml': { outcome: 'message', kept: /order ES-2023-29324734\.$/ },
  'outlook-de.eml': { outcome: 'message', kept: /Mit freundlichen Grüßen\nJonas Müller$/ },
  'outlook-ru.eml': { outcome: 'message', kept: /С уважением,\nИван Петров$/ },
  'outlook-original-message-en.eml': { outcome: 'message', kept: /ES-2023-29324734\.\n\nTom$/ },
  'outlook-html-only-en.eml': { outcome: 'message', kept: /Online Store UK\.\n\nAnna$/ },
  'apple-mail-en.eml': { outcome: 'message', kept: /^I bought it in the Online Store UK last October\.$/ },
  'apple-mail-de.eml': {
    outcome: 'message',
    kept: /^Ich habe es letzten Oktober im Online Store DE gekauft\.$/,
  },
  'apple-mail-ru.eml': { outcome: 'message', kept: /^Купил в интернет-магазине в октябре прошлого года\.$/ },
  'thunderbird-en.eml': { outcome: 'message', kept: /c1e89af9\.\n\nAnna$/ },
  'thunderbird-de.eml': { outcome: 'message', kept: /c1e89af9\.\n\nJonas$/ },
  'thunderbird-ru.eml': { outcome: 'message', kept: /c1e89af9\.\n\nИван$/ },
  'pasted-code-en.eml': { outcome: 'message', kept: /was XXXXX-XXXXX-XXXXX-XXXXX, it says/ },
  'attachment-pdf-de.eml': {
    outcome: 'message',
    kept: /anbei der Kassenbon\.\n\nJonas$/,
    attachment: 'Kassenbon.pdf',
  },
  'attachment-disguised-exe-en.eml': {
    outcome: 'message',
    kept: /here is my receipt\.\n\nAnna$/,
    refused: ['receipt.pdf'],
  },
  'auto-reply-outlook-de.eml': { outcome: 'auto_reply' },
  'bounce-postfix.eml': { outcome: 'bounce' },
  'loop-own-message.eml': { outcome: 'loop' },
};

let desk: TestDesk;
const rows: string[] = [];

before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', INBOUND_DOMAIN } });
});
after(async () => {
  await desk.stop();
  const table = [
    '| fixture | threaded as | text kept | quoted removed |',
    '| --- | --- | --- | --- |',
    ...rows,
  ];
  mkdirSync('test-artifacts', { recursive: true });
  writeFileSync('test-artifacts/inbound-fixtures.md', `${table.join('\n')}\n`);
});

describe('replies from real mail clients', () => {
  it('when every fixture has an expectation, then none is left untested', () => {
    assert.deepEqual(readdirSync(FIXTURES).sort(), Object.keys(EXPECTED).sort());
  });

  for (const [fixture, expected] of Object.entries(EXPECTED)) {
    it(`when ${fixture} arrives, then it is ${expected.outcome} with only the new text kept`, async () => {
      const ticket = await fileMatchedRequest(desk, await purchase(desk));
      const to = await replyAddressFor(desk.base.db, ticket.id);
      const [ours] = await desk.base.db.query<{ message_uuid: string }>(
        'SELECT message_uuid FROM emails WHERE request_id = $1',
        [ticket.id],
      );
      const raw = readFileSync(path.join(FIXTURES, fixture), 'utf8')
        .replaceAll(FIXTURE_TOKEN, to)
        .replaceAll(FIXTURE_UUID, ours!.message_uuid);
      const done = await deliver(desk, Buffer.from(raw), [to]);
      assert.equal(done.outcome, expected.outcome);
      const [said] = await desk.base.db.query<{ data: Record<string, unknown> }>(
        `SELECT data FROM request_events WHERE request_id = $1 AND type = 'customer_replied'`,
        [ticket.id],
      );
      const text = typeof said?.data.message === 'string' ? said.data.message : '';
      const removed = text ? !QUESTIONS.test(text) : null;
      rows.push(
        `| ${fixture} | ${done.outcome} | ${text ? oneLine(text) : '(not threaded)'} | ${removed === null ? 'n/a' : removed ? 'yes' : 'no'} |`,
      );
      if (!expected.kept) return assert.equal(said, undefined);
      assert.match(text, expected.kept);
      assert.equal(removed, true, text);
      assert.equal(said!.data.attachment, expected.attachment);
      assert.deepEqual(said!.data.refused, expected.refused);
      const files = await desk.base.db.query<{ original_name: string }>(
        'SELECT original_name FROM attachments WHERE request_id = $1',
        [ticket.id],
      );
      assert.deepEqual(
        files.map((f) => f.original_name),
        expected.attachment ? [expected.attachment] : [],
      );
    });
  }
});

const oneLine = (text: string) => text.replace(/\n+/g, ' / ').replace(/\|/g, '\\|');

describe('the quote headers email-reply-parser misses', () => {
  const cases: [string, string][] = [
    ['Thunderbird, Russian', 'Спасибо.\n\n30.11.2026 10:12, Recovery Desk пишет:\n> Вопрос'],
    [
      'Apple Mail, Russian',
      'Спасибо.\n\n> 30 нояб. 2026 г., в 10:12, Recovery Desk <desk@localhost> написал(а):\n> Вопрос',
    ],
    ['Gmail, Russian', 'Спасибо.\n\nпн, 30 нояб. 2026 г. в 10:12, Recovery Desk <desk@localhost>:\n> Вопрос'],
    [
      'Outlook, Russian',
      'Спасибо.\n\nОт: Recovery Desk <desk@localhost>\nОтправлено: 30 ноября 2026 г. 10:12\nКому: Иван\n\nВопрос',
    ],
    ['Outlook, bold labels', 'Спасибо.\n\n*From:* Recovery Desk\n*Sent:* Monday\n\nВопрос'],
    ['iPhone, Russian', 'Спасибо.\n\nОтправлено с iPhone'],
    ['forwarded, Russian', 'Спасибо.\n\n-------- Исходное сообщение --------\nВопрос'],
  ];
  for (const [client, body] of cases)
    it(`when a reply from ${client} is read, then only its new text is kept`, () => {
      assert.equal(replyText(body).text, 'Спасибо.');
    });

  it('when a line only mentions a sender and a time, then nothing is cut', () => {
    const body = 'I wrote to support@example.com at 10:12 yesterday.\nFrom: my old laptop';
    assert.equal(replyText(body).text, body);
  });

  it('when the new text is longer than the form allows, then its first part is kept and marked cut', () => {
    const long = replyText('word '.repeat(2000));
    assert.equal(long.truncated, true);
    assert.equal(long.text.length, MAX_DETAILS);
    assert.ok(long.text.endsWith('…'));
  });
});
