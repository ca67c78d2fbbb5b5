import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readInboundRaw } from '../src/inbound/inbound.repository.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { deliver, eml, INBOUND_DOMAIN, replyAddressFor } from './helpers/inbound.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import { fileMatchedRequest, postDecision, purchase, type FiledTicket } from './helpers/tickets.ts';
import type { TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let tech: SignedIn & TestUser;
let admin: SignedIn & TestUser;

before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0', INBOUND_DOMAIN } });
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  admin = await signInAs(desk.app, desk.base.db, 'admin');
});
after(() => desk.stop());

const CODE = 'AB12C-DE34F-GH56J-KL78M';
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

async function filed(): Promise<FiledTicket> {
  return fileMatchedRequest(desk, await purchase(desk));
}

/** The PDF fixture's reply, addressed to the request. */
async function pdfReply(ticket: FiledTicket) {
  const to = await replyAddressFor(desk.base.db, ticket.id);
  const fixture = readFileSync(
    path.join(import.meta.dirname, 'fixtures/inbound/attachment-pdf-de.eml'),
    'utf8',
  );
  const raw = fixture
    .replace(`reply+${'a'.repeat(26)}@${INBOUND_DOMAIN}`, to)
    .replace(/<fixture-[^>]+>/, `<pdf-${ticket.id}@example.com>`);
  return deliver(desk, Buffer.from(raw), [to]);
}

describe('the request page', () => {
  it('when a customer replied by email, then the conversation shows the sender, the new text, the file and a raw-message link', async () => {
    const ticket = await filed();
    const done = await pdfReply(ticket);
    const page = await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    const shown = text(page.text);
    assert.match(
      shown,
      /wrote a message by email from jonas@mueller-gmbh\.example, attaching Kassenbon\.pdf/,
    );
    assert.match(shown, /anbei der Kassenbon\. Jonas/);
    assert.doesNotMatch(shown, /In welchem Geschäft/);
    assert.match(page.text, new RegExp(`href="/desk/requests/${ticket.reference}/inbound/${done.id}"`));
    assert.match(page.text, /Kassenbon\.pdf/);
  });

  it('when a technician opens the raw message, then codes are masked and the reading is audited', async () => {
    const ticket = await filed();
    const to = await replyAddressFor(desk.base.db, ticket.id);
    const done = await deliver(desk, eml({ from: ticket.email, to, text: `My old code: ${CODE}` }), [to]);
    const raw = await tech.agent.get(`/desk/requests/${ticket.reference}/inbound/${done.id}`).expect(200);
    assert.match(raw.text, /My old code: XXXXX-XXXXX-XXXXX-XXXXX/);
    assert.ok(!raw.text.includes(CODE));
    assert.equal(raw.headers['cache-control'], 'no-store');
    const [audit] = await desk.base.db.query<{ actor: string; subject: string }>(
      `SELECT actor, subject FROM audit_events WHERE action = 'inbound_raw_viewed' ORDER BY id DESC LIMIT 1`,
    );
    assert.deepEqual(audit, {
      actor: tech.user.email,
      subject: `email message ${done.id} of ${ticket.reference}`,
    });
    // Another request's reference does not open it.
    const other = await filed();
    await tech.agent.get(`/desk/requests/${other.reference}/inbound/${done.id}`).expect(404);
  });

  it('when the code came base64-encoded (a body part, a header), then the raw view hides the encoded block too', async () => {
    const ticket = await filed();
    const to = await replyAddressFor(desk.base.db, ticket.id);
    const b64 = (t: string) => Buffer.from(t, 'utf8').toString('base64');
    // As mail programs send Russian text: base64 in 76-character lines, the code across a line end.
    const body = b64(`Здравствуйте! Мой старый код ${CODE} больше не работает, помогите пожалуйста. Иван`)
      .match(/.{1,76}/g)!
      .join('\r\n');
    const raw = [
      `From: ${ticket.email}`,
      `To: ${to}`,
      `Subject: =?utf-8?B?${b64(`Код ${CODE}`)}?=`,
      `Message-ID: <b64-${ticket.id}@mail.example.com>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      body,
      '',
    ].join('\r\n');
    const done = await deliver(desk, Buffer.from(raw), [to]);
    const page = await tech.agent.get(`/desk/requests/${ticket.reference}/inbound/${done.id}`).expect(200);
    const shown = page.text.replace(/&#x3D;/g, '=');
    for (const line of body.split('\r\n')) assert.ok(!shown.includes(line), `base64 line shown: ${line}`);
    assert.match(page.text, /a base64-encoded part that holds an activation code: hidden here/);
    assert.match(page.text, /an encoded header text that holds an activation code: hidden/);
    assert.match(page.text, /Content-Transfer-Encoding: base64/, 'the rest stays as received');
    // The conversation shows the decoded text with the code masked.
    const request = await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.match(request.text, /Мой старый код XXXXX-XXXXX-XXXXX-XXXXX больше не работает/);
    const [stored] = await desk.base.db.query<{ subject: string }>(
      'SELECT subject FROM inbound_messages WHERE id = $1',
      [done.id],
    );
    assert.equal(stored!.subject, 'Код XXXXX-XXXXX-XXXXX-XXXXX', 'the subject is kept masked');
    // Subjects stored before this masking are masked by migration 0034, by the same rule.
    await desk.base.db.query('UPDATE inbound_messages SET subject = $2 WHERE id = $1', [
      done.id,
      `Код ${CODE}, not abcdeabcdeabcdeabcde`,
    ]);
    await desk.base.db.query(
      readFileSync(
        path.join(import.meta.dirname, '../src/db/migrations/0034_inbound_subjects_masked.sql'),
        'utf8',
      ),
    );
    const [migrated] = await desk.base.db.query<{ subject: string }>(
      'SELECT subject FROM inbound_messages WHERE id = $1',
      [done.id],
    );
    assert.equal(migrated!.subject, 'Код XXXXX-XXXXX-XXXXX-XXXXX, not abcdeabcdeabcdeabcde');
  });

  it('when a reply with a pasted code is stored and threaded, then the raw message holds it sealed and no row of any table holds it in clear', async () => {
    const ticket = await filed();
    const to = await replyAddressFor(desk.base.db, ticket.id);
    const done = await deliver(desk, eml({ from: ticket.email, to, text: `Pasted: ${CODE}` }), [to]);
    const opened = await readInboundRaw(desk.base.db, desk.base.config, done.id);
    assert.ok(opened?.toString('utf8').includes(CODE), 'the stored message, opened, is the one received');
    const tables = await desk.base.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    assert.ok(tables.some((t) => t.table_name === 'inbound_messages'));
    const forms = [CODE, CODE.replace(/-/g, '')].flatMap((c) => [c, c.toLowerCase()]);
    for (const { table_name } of tables) {
      const rows = await desk.base.db.query<Record<string, unknown>>(
        `SELECT * FROM "${table_name.replace(/"/g, '')}"`,
      );
      // bytea columns (the sealed raw message) are read as their bytes, not as JSON number lists.
      const text = rows
        .flatMap((row) => Object.values(row))
        .map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : JSON.stringify(v)))
        .join('\n');
      for (const form of forms) assert.ok(!text.includes(form), `table ${table_name} holds the code`);
    }
  });

  it('when a reply filed a follow-up, then each request page links to the other', async () => {
    const ticket = await filed();
    await postDecision(desk, tech.token, ticket.reference, {
      type: 'reject',
      reason: 'no_purchase_found',
    }).expect(200);
    await desk.base.db.query(
      `UPDATE recovery_requests SET closed_at = now() - interval '30 days' WHERE id = $1`,
      [ticket.id],
    );
    const to = await replyAddressFor(desk.base.db, ticket.id);
    const done = await deliver(desk, eml({ from: ticket.email, to, text: 'Lost it again.' }), [to]);
    const [followUp] = await desk.base.db.query<{ reference: string }>(
      'SELECT reference FROM recovery_requests WHERE id = $1',
      [done.request_id],
    );
    const newPage = await tech.agent.get(`/desk/requests/${followUp!.reference}`).expect(200);
    assert.match(text(newPage.text), new RegExp(`A follow-up of ${ticket.reference}`));
    assert.match(text(newPage.text), /filed the request \(email reply, a follow-up\)/);
    const oldPage = await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.match(text(oldPage.text), new RegExp(`Follow-ups filed by email replies: ${followUp!.reference}`));
  });

  it('when one of its emails bounced, then the emails list says bounced and the history says from where', async () => {
    const ticket = await filed();
    const to = await replyAddressFor(desk.base.db, ticket.id);
    // A bounce comes back about an email that went out.
    await waitFor(async () => {
      const [ack] = await desk.base.db.query<{ status: string }>(
        'SELECT status FROM emails WHERE request_id = $1',
        [ticket.id],
      );
      return ack?.status === 'sent';
    });
    const [ours] = await desk.base.db.query<{ message_uuid: string }>(
      'SELECT message_uuid FROM emails WHERE request_id = $1',
      [ticket.id],
    );
    const fixture = readFileSync(
      path.join(import.meta.dirname, 'fixtures/inbound/bounce-postfix.eml'),
      'utf8',
    )
      .replace('00000000-0000-4000-8000-000000000000', ours!.message_uuid)
      .replace(/<fixture-[^>]+>/, `<bounce-${ticket.id}@mx.example.com>`);
    assert.equal((await deliver(desk, Buffer.from(fixture), [to])).outcome, 'bounce');
    const page = await tech.agent.get(`/desk/requests/${ticket.reference}`).expect(200);
    assert.match(page.text, /class="email-status email-bounced">bounced</);
    assert.match(
      text(page.text),
      /reported that the request-received email to \S+ bounced \(delivery report from mailer-daemon@mx\.example\.com\)/,
    );
  });
});

describe('the admin page of messages not threaded', () => {
  it('when messages were not threaded, then admins see counts per outcome and the rows; threaded ones are not listed', async () => {
    const ticket = await filed();
    const to = await replyAddressFor(desk.base.db, ticket.id);
    const subject = `Out of office ${ticket.id}`;
    await deliver(desk, eml({ from: ticket.email, to, subject, headers: ['Auto-Submitted: auto-replied'] }), [
      to,
    ]);
    await deliver(
      desk,
      eml({ from: 'stranger@example.com', to: `nobody@${INBOUND_DOMAIN}`, subject: `No token ${ticket.id}` }),
      [`nobody@${INBOUND_DOMAIN}`],
    );
    await deliver(desk, eml({ from: ticket.email, to, subject: `Threaded ${ticket.id}` }), [to]);
    const page = await admin.agent.get('/desk/admin/inbound').expect(200);
    const shown = text(page.text);
    assert.match(shown, new RegExp(`${subject} not threaded: an automatic reply`));
    assert.match(
      shown,
      new RegExp(`stranger@example.com No token ${ticket.id} not threaded: no valid reply address`),
    );
    assert.doesNotMatch(shown, new RegExp(`Threaded ${ticket.id}`));
    assert.match(shown, /not threaded: an automatic reply [1-9]\d*/);
    const home = await admin.agent.get('/desk/admin').expect(200);
    assert.match(home.text, /href="\/desk\/admin\/inbound"/);
  });
});
