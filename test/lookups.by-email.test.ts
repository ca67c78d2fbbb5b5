import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { translate } from '../src/i18n/i18n.ts';
import { answerCodeLookup } from '../src/lookups/code-lookups.service.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import type { ReceivedMail } from './helpers/smtp.ts';
import { fileMatchedRequest, purchase } from './helpers/tickets.ts';
import { waitFor } from './helpers/wait.ts';

const SUBJECT = 'Your licences and activation codes';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
});
after(() => desk.stop());

let clients = 0;
/** A client address of its own (the desk believes X-Forwarded-For from loopback), so the hourly limit stays out of the way. */
const clientAddress = () => `10.7.${Math.floor(++clients / 200)}.${(clients % 200) + 1}`;
const mailbox = (name: string) => `${name}.${randomBytes(4).toString('hex')}@example.com`;

function lookUp(email: unknown, address = clientAddress()) {
  return request(desk.app).post('/api/v1/code-lookups').set('X-Forwarded-For', address).send({ email });
}

async function lookupsOf(email: string) {
  return desk.base.db.query<{ id: number; status: string; email: string | null; licences: number | null }>(
    'SELECT id, status, email, licences FROM code_lookups WHERE email = $1 OR mailbox = lower($1) ORDER BY id',
    [email],
  );
}

async function allLookupsDone(): Promise<void> {
  await waitFor(
    async () => {
      const [row] = await desk.base.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM code_lookups WHERE status = 'received'",
      );
      return row!.n === 0;
    },
    15_000,
    'every lookup answered',
  );
}

const mailsTo = (address: string): ReceivedMail[] =>
  desk.smtp.received.filter((m) => m.to.includes(address) && m.parsed.subject === SUBJECT);

/** A mailbox with a licence of each kind the email treats differently. */
async function buyerWithEveryKind(email: string) {
  const at = (overrides: Record<string, string | number | null>) =>
    purchase(desk, { purchaser_email: email, ...overrides });
  return {
    active: await at({ product_name: 'Total Security 2026' }),
    expired: await at({
      status: 'expired',
      first_activated_at: '2023-01-05',
      channel: 'partner',
      store: 'Softshop AG',
    }),
    pastTerm: await at({ first_activated_at: '2024-01-05', term_days: 365 }),
    trial: await at({ license_type: 'trial', product_name: 'Internet Security Trial' }),
    refunded: await at({ status: 'refunded' }),
    revoked: await at({ status: 'revoked' }),
  };
}

describe('the email a lookup sends', () => {
  it('when a mailbox with licences of every kind is looked up, then one email to that address lists each, with codes only for active commercial ones and the renewal offer for expired ones, and nothing of another mailbox', async () => {
    const ann = mailbox('ann');
    const bob = mailbox('bob');
    const anns = await buyerWithEveryKind(ann);
    const bobs = await buyerWithEveryKind(bob);

    await lookUp(ann).expect(202);
    await lookUp(bob).expect(202);
    await allLookupsDone();
    await waitFor(() => mailsTo(ann).length > 0 && mailsTo(bob).length > 0, 15_000, 'both emails');

    for (const [address, own, other] of [
      [ann, anns, bobs],
      [bob, bobs, anns],
    ] as const) {
      const mails = mailsTo(address);
      assert.equal(mails.length, 1, `one email to ${address}`);
      const mail = mails[0]!;
      assert.deepEqual(mail.to, [address], 'to that address only');
      const text = mail.parsed.text ?? '';
      for (const p of Object.values(own))
        assert.ok(text.includes(p.license_number), `lists ${p.license_number}`);
      assert.ok(text.includes(own.active.activation_code), 'the active licence’s code');
      for (const p of [own.expired, own.pastTerm, own.trial, own.refunded, own.revoked])
        assert.ok(!text.includes(p.activation_code), `no code for ${p.license_number}`);
      assert.equal(text.match(/Activation code:/g)?.length, 1, 'one code line');
      assert.equal(
        text.match(/To stay protected/g)?.length,
        2,
        'the renewal offer for both expired licences',
      );
      assert.ok(text.includes('buy a renewal from Softshop AG'), 'the partner’s renewal by its store');
      assert.ok(text.includes('(trial licence)'));
      const raw = mail.raw + (mail.parsed.html ?? '');
      for (const p of Object.values(other)) {
        assert.ok(!raw.includes(p.license_number), 'no licence of the other mailbox');
        assert.ok(!raw.includes(p.activation_code), 'no code of the other mailbox');
      }
      assert.equal(mail.parsed.headers.find((h) => h.key === 'auto-submitted')?.value, 'auto-replied');
    }

    const [stored] = await desk.base.db.query<{ text: string; html: string; secret_text_enc: string | null }>(
      "SELECT text, html, secret_text_enc FROM emails WHERE template = 'code-lookup' AND to_address = $1",
      [ann],
    );
    assert.ok(!stored!.text.includes(anns.active.activation_code), 'the recorded copy is masked');
    assert.ok(!stored!.html.includes(anns.active.activation_code));
    assert.ok(stored!.secret_text_enc, 'the body as sent is kept encrypted');
    const codes = await desk.base.db.query<{ purchase_id: number }>(
      'SELECT c.purchase_id FROM code_lookup_codes c JOIN code_lookups l ON l.id = c.lookup_id WHERE l.email = $1',
      [ann],
    );
    assert.deepEqual(
      codes.map((c) => Number(c.purchase_id)),
      [anns.active.id],
    );
  });

  it('when a Gmail address is looked up with dots, a +tag and another case, then its purchases are found and the email goes to the address as typed', async () => {
    const local = `lena${randomBytes(3).toString('hex')}`;
    const bought = await purchase(desk, { purchaser_email: `${local}@gmail.com` });
    const typed = `${local.slice(0, 2)}.${local.slice(2)}+codes@GoogleMail.com`;
    await lookUp(typed).expect(202);
    await allLookupsDone();
    await waitFor(
      () => mailsTo(typed).length > 0 || mailsTo(typed.toLowerCase()).length > 0,
      15_000,
      'the email',
    );
    const mail = mailsTo(typed)[0] ?? mailsTo(typed.toLowerCase())[0]!;
    assert.equal(mail.to.length, 1);
    assert.equal(mail.to[0]!.toLowerCase(), typed.toLowerCase());
    assert.ok(mail.parsed.text?.includes(bought.activation_code));
  });

  it('when the job runs twice for one lookup, then one email', async () => {
    const cy = mailbox('cy');
    await purchase(desk, { purchaser_email: cy });
    await lookUp(cy).expect(202);
    await allLookupsDone();
    const [lookup] = await lookupsOf(cy);
    assert.equal(await answerCodeLookup(desk.workers!.deps, lookup!.id), 'already_done');
    const [row] = await desk.base.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM emails WHERE template = 'code-lookup' AND to_address = $1",
      [cy],
    );
    assert.equal(row!.n, 1);
  });
});

describe('an address nothing belongs to', () => {
  it('when an unknown and a known address are looked up, then both get the same status and words, and only the known one an email', async () => {
    const known = mailbox('dana');
    await purchase(desk, { purchaser_email: known });
    const unknown = mailbox('nobody');
    const a = await lookUp(known);
    const b = await lookUp(unknown);
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    assert.deepEqual(a.body, b.body);
    assert.deepEqual(a.body, { status: 'accepted', message: translate('en', 'lookup.sent') });
    assert.equal(a.headers['content-length'], b.headers['content-length']);
    await allLookupsDone();
    await waitFor(() => mailsTo(known).length === 1, 15_000, 'the known one’s email');
    assert.equal(
      desk.smtp.received.filter((m) => m.to.includes(unknown)).length,
      0,
      'no email to the unknown',
    );
    const forgotten = await desk.base.db.query<{
      email: string | null;
      mailbox: string | null;
      licences: number;
    }>(
      'SELECT l.email, l.mailbox, l.licences FROM code_lookups l JOIN audit_events e ON (e.data ->> $2)::bigint = l.id WHERE e.subject = $1',
      [`n***@example.com`, 'lookup_id'],
    );
    assert.ok(
      forgotten.some((l) => l.email === null && l.mailbox === null && l.licences === 0),
      'the address is forgotten',
    );
  });

  it('when the page is posted with a known and an unknown address, then both go to the same answer, in each language', async () => {
    const known = mailbox('erik');
    await purchase(desk, { purchaser_email: known });
    for (const locale of ['en', 'de', 'ru'] as const) {
      const answers = [];
      for (const email of [known, mailbox('nobody')]) {
        const res = await request(desk.app)
          .post(`/recover/by-email?lang=${locale}`)
          .set('X-Forwarded-For', clientAddress())
          .type('form')
          .send({ email, locale });
        assert.equal(res.status, 303);
        answers.push(res.headers.location);
      }
      assert.equal(answers[0], answers[1]);
      const page = await request(desk.app).get(answers[0]!).expect(200);
      assert.ok(page.text.includes(escape(translate(locale, 'lookup.sent'))), `the answer in ${locale}`);
      assert.ok(!page.text.includes(known));
    }
  });
});

describe('repeat recovery', () => {
  it('when a lookup emailed a licence’s code, then a request for that licence is flagged repeat_recovery, and one for a licence it did not send is not', async () => {
    const fay = mailbox('fay');
    const sent = await purchase(desk, { purchaser_email: fay });
    const trial = await purchase(desk, { purchaser_email: fay, license_type: 'trial' });
    await lookUp(fay).expect(202);
    await allLookupsDone();
    const flagsOf = async (id: number) => {
      const [m] = await desk.base.db.query<{ result: { flags: string[] } }>(
        'SELECT result FROM match_results WHERE request_id = $1',
        [id],
      );
      return m!.result.flags;
    };
    const again = await fileMatchedRequest(desk, sent);
    assert.ok((await flagsOf(again.id)).includes('repeat_recovery'), 'the code went out by lookup');
    const other = await fileMatchedRequest(desk, trial);
    assert.ok(!(await flagsOf(other.id)).includes('repeat_recovery'), 'a listed licence sent no code');
  });
});

/** As Handlebars writes text into HTML. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}
