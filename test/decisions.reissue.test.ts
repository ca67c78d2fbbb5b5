import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCodeCipher } from '../src/purchases/code-cipher.ts';
import { createCodeFingerprint } from '../src/purchases/code-fingerprint.ts';
import type { TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  getTicket,
  mailText,
  outcomeMails,
  postApproval,
  postDecision,
  purchase,
  startDecisionDesk,
  ticketRow,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let technician: TestUser;
let supervisor: TestUser;
let otherSupervisor: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await createUserWithToken(desk.base.db, 'technician');
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
  otherSupervisor = await createUserWithToken(desk.base.db, 'supervisor');
});
after(() => desk.stop());

const NEW_CODE = /^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/;

async function storedCode(
  purchaseId: number,
): Promise<{ code: string; hmac: string | null; first: string | null }> {
  const [row] = await desk.base.db.query<{ enc: string; hmac: string | null; first: string | null }>(
    'SELECT activation_code_enc AS enc, activation_code_hmac AS hmac, first_activated_at AS first FROM purchases WHERE id = $1',
    [purchaseId],
  );
  return {
    code: createCodeCipher(desk.base.config.secretKey).decrypt(row!.enc),
    hmac: row!.hmac,
    first: row!.first,
  };
}

describe('reissue', () => {
  it('when a technician resends on a matched request, then exactly one email carries the code, to the purchaser, and the API never shows it', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);

    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
    }).expect(200);
    assert.equal(res.body.status, 'resolved');
    assert.equal(res.body.requester_notified, false);
    assert.match(res.body.sent_to, /^b\*\*\*@example\.com$/);
    assert.ok(!JSON.stringify(res.body).includes(p.activation_code));

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.to, [p.purchaser_email]);
    assert.ok(mails[0]!.parsed.text?.includes(p.activation_code), 'in the plain-text part');
    assert.ok(mails[0]!.parsed.html?.includes(p.activation_code), 'in the HTML part');
    assert.ok(!mails[0]!.parsed.subject?.includes(p.activation_code), 'never in the subject');

    const row = await ticketRow(desk, ticket.id);
    assert.equal(row.status, 'resolved');
    assert.deepEqual(row.types.slice(-2), ['claimed', 'code_sent']);
    assert.equal(row.events.at(-1)!.actor, technician.user.email);
    assert.equal(row.events.at(-1)!.data.mode, 'resend');

    const view = await getTicket(desk, technician.token, ticket.reference).expect(200);
    assert.ok(!JSON.stringify(view.body).includes(p.activation_code), 'not in the ticket');
    const listed = view.body.emails as { template: string }[];
    assert.ok(listed.some((e) => e.template === 'reissue-code'));
    const [stored] = await desk.base.db.query<{ html: string; text: string }>(
      `SELECT html, text FROM emails WHERE request_id = $1 AND template = 'reissue-code'`,
      [ticket.id],
    );
    assert.ok(
      !stored!.html.includes(p.activation_code) && !stored!.text.includes(p.activation_code),
      'stored masked',
    );
    assert.equal((await storedCode(p.id)).code, p.activation_code, 'resend keeps the code');
  });

  it('when a technician replaces the code, then a new code without look-alikes goes out, the old one is kept encrypted in the history and the term is unchanged', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);

    await postDecision(desk, technician.token, ticket.reference, { type: 'reissue', mode: 'replace' }).expect(
      200,
    );

    const now = await storedCode(p.id);
    assert.notEqual(now.code, p.activation_code);
    assert.match(now.code, NEW_CODE);
    assert.equal(now.hmac, createCodeFingerprint(desk.base.config.secretKey)(now.code));
    assert.equal(now.first, '2026-01-10', 'first activation, so the expiry, unchanged');
    const history = await desk.base.db.query<{ code_enc: string; reason: string }>(
      'SELECT code_enc, reason FROM activation_code_history WHERE purchase_id = $1',
      [p.id],
    );
    assert.equal(history.length, 1);
    assert.equal(history[0]!.reason, 'replaced');
    assert.equal(
      createCodeCipher(desk.base.config.secretKey).decrypt(history[0]!.code_enc),
      p.activation_code,
    );
    assert.ok(!history[0]!.code_enc.includes(p.activation_code));

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 1);
    assert.ok(mailText(mails[0]!).includes(now.code));
    assert.ok(!mailText(mails[0]!).includes(p.activation_code), 'the old code is not sent');
    assert.match(mails[0]!.parsed.text ?? '', /new activation code/);
  });

  it('when the requester writes from another address, then the code goes to the purchaser and the requester is told where, masked, without the code', async () => {
    const p = await purchase(desk, { purchaser_email: 'jane.buyer@gmail.com' });
    const ticket = await fileMatchedRequest(desk, p, { email: 'someone.else@example.org' });

    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
    }).expect(200);
    assert.equal(res.body.requester_notified, true);

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 2);
    const withCode = mails.filter((m) => mailText(m).includes(p.activation_code));
    assert.equal(withCode.length, 1, 'the code in exactly one email');
    assert.deepEqual(withCode[0]!.to, ['jane.buyer@gmail.com']);
    const notice = mails.find((m) => m.to[0] === 'someone.else@example.org')!;
    assert.ok(notice.parsed.text?.includes('j***@gmail.com'));
    assert.ok(!mailText(notice).includes('jane.buyer'));
  });

  it('when the requester uses the same Gmail mailbox written differently, then no notice is sent', async () => {
    const p = await purchase(desk, { purchaser_email: 'jane.doe@gmail.com' });
    const ticket = await fileMatchedRequest(desk, p, { email: 'JaneDoe+desk@googlemail.com' });
    await postDecision(desk, technician.token, ticket.reference, { type: 'reissue', mode: 'resend' }).expect(
      200,
    );
    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.deepEqual(
      mails.map((m) => m.to[0]),
      ['jane.doe@gmail.com'],
    );
  });

  for (const [what, overrides, rule] of [
    ['a trial licence', { license_type: 'trial' }, /trial licence cannot be recovered/],
    ['a refunded licence', { status: 'refunded' }, /refunded/],
    ['a revoked licence', { status: 'revoked' }, /revoked/],
    ['an expired licence', { first_activated_at: '2023-01-01' }, /expired: send the renewal email/],
  ] as const) {
    it(`when the licence is ${what}, then 409 with the rule, and nothing changes`, async () => {
      const p = await purchase(desk, overrides);
      const ticket = await fileMatchedRequest(desk, p);
      const res = await postDecision(desk, technician.token, ticket.reference, {
        type: 'reissue',
        mode: 'resend',
      }).expect(409);
      assert.equal(res.body.error, 'conflict');
      assert.match(res.body.message, rule);
      assert.doesNotMatch(res.body.message, /[{}]/, 'a sentence, with no API body in it');
      // An expired licence points to the decision that sends the renewal offer; a trial, to its reject.
      const suggested =
        'first_activated_at' in overrides
          ? { type: 'reject', reason: 'license_expired' }
          : 'license_type' in overrides
            ? { type: 'reject', reason: 'trial_license' }
            : undefined;
      assert.deepEqual(res.body.suggested, suggested);
      const row = await ticketRow(desk, ticket.id);
      assert.equal(row.status, 'triage');
      assert.equal(row.claimed_by, null, 'not even the automatic claim');
      assert.ok(!row.types.includes('code_sent'));
      assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 0);
    });
  }

  it('when the request matched no purchase, then 409', async () => {
    const ticket = await fileMatchedRequest(desk, null);
    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
    }).expect(409);
    assert.match(res.body.message, /no matched purchase/);
  });

  it('when the body is not a valid decision, then 422 naming the field', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p);
    const res = await postDecision(desk, technician.token, ticket.reference, {
      type: 'reissue',
      mode: 'twice',
    }).expect(422);
    assert.match(res.body.message, /mode/);
    assert.equal((await ticketRow(desk, ticket.id)).status, 'triage');
  });
});

describe('reissue to another address', () => {
  it('when a technician asks to send the code elsewhere, then it waits for a different supervisor, who sends it there, and the purchaser of record is told without the code', async () => {
    const p = await purchase(desk);
    const ticket = await fileMatchedRequest(desk, p, { email: 'new.mailbox@example.net' });

    const proposed = await postDecision(desk, supervisor.token, ticket.reference, {
      type: 'reissue',
      mode: 'resend',
      to: 'new.mailbox@example.net',
    }).expect(202);
    assert.equal(proposed.body.status, 'pending_approval');
    assert.equal((await ticketRow(desk, ticket.id)).status, 'pending_approval');
    assert.equal((await outcomeMails(desk, ticket.id, ticket.reference)).length, 0, 'nothing sent yet');

    await postApproval(desk, supervisor.token, proposed.body.approval_id, 'approve').expect(403);
    await postApproval(desk, technician.token, proposed.body.approval_id, 'approve').expect(403);
    const approved = await postApproval(
      desk,
      otherSupervisor.token,
      proposed.body.approval_id,
      'approve',
    ).expect(200);
    assert.equal(approved.body.request_status, 'resolved');
    await postApproval(desk, otherSupervisor.token, proposed.body.approval_id, 'approve').expect(409);

    const mails = await outcomeMails(desk, ticket.id, ticket.reference);
    assert.equal(mails.length, 2, 'the code to the new address, and a word to the purchaser');
    const withCode = mails.filter((m) => mailText(m).includes(p.activation_code));
    assert.equal(withCode.length, 1, 'the code in exactly one email');
    assert.deepEqual(withCode[0]!.to, ['new.mailbox@example.net']);
    const toPurchaser = mails.find((m) => m.to[0] === p.purchaser_email);
    assert.ok(toPurchaser, 'the purchaser of record hears that their code went elsewhere');
    assert.match(
      toPurchaser.parsed.text ?? '',
      /sent the activation code of your licence[\s\S]*n\*\*\*@example\.net/,
    );
    assert.match(
      toPurchaser.parsed.text ?? '',
      /If it was not, file a request quoting RD-\w+, and our support team will stop the code[\s\S]*http:\/\/desk\.test\/recover\?lang=en[\s\S]*Replies to this address are not read\./,
      'without INBOUND_DOMAIN, the purchaser objects with a request quoting the reference',
    );
    assert.ok(!mailText(toPurchaser).includes('new.mailbox'), 'the new address masked');
    const row = await ticketRow(desk, ticket.id);
    assert.deepEqual(row.types.slice(-2), ['reissue_proposed', 'code_sent']);
    assert.equal(row.events.at(-1)!.actor, otherSupervisor.user.email);
  });
});
