import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { storeInbound } from '../src/inbound/inbound.repository.ts';
import { newReplyToken } from '../src/mail/reply-tokens.ts';
import { outboxDir, outboxFileName } from '../src/mail/mail.transport.ts';
import { purgeableCount, purgeClosedRequests } from '../src/purge/purge.service.ts';
import { processedRow } from './helpers/inbound.ts';
import { storedAttachments } from './helpers/attachments.ts';
import type { TestDesk } from './helpers/desk.ts';
import { someClientAddress } from './helpers/instant.ts';
import {
  fileMatchedRequest,
  outcomeMails,
  postDecision,
  purchase,
  startDecisionDesk,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
// Tables the desk writes about requests; purchases are the vendor's records, not the desk's to purge.
const TABLES = [
  'recovery_requests',
  'request_events',
  'emails',
  'attachments',
  'match_results',
  'approvals',
  'request_status_tokens',
];

let desk: TestDesk;
let technician: TestUser;
before(async () => {
  desk = await startDecisionDesk();
  technician = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

const secret = () => randomBytes(6).toString('hex');

/** A request filed through the form with a proof of purchase, asked a question, answered, then rejected. */
async function closedRequestWithPersonalData() {
  const words = {
    email: `purge.${secret()}@example.org`,
    name: `Zebulon ${secret()}`,
    details: `details ${secret()}`,
  };
  const filed = await request(desk.app)
    .post('/recover')
    .field({
      ...words,
      license_number: '0000-000000-00000000',
      channel: 'retail_box',
      store: 'MediaMarkt',
      country: 'DE',
      purchased_on: '2025-01-02',
      reason: 'lost',
      desired_outcome: 'recover_code',
    })
    .attach('attachment', PDF, { filename: `invoice-${words.name}.pdf`, contentType: 'application/pdf' })
    .expect(303);
  const statusUrl = new URL(filed.headers.location!, 'http://desk.test');
  const reference = statusUrl.pathname.split('/').pop()!;
  const [row] = await desk.base.db.query<{ id: number }>(
    'SELECT id FROM recovery_requests WHERE reference = $1',
    [reference],
  );
  const id = row!.id;
  const inTriage = async () =>
    (await desk.base.db.query(`SELECT 1 FROM recovery_requests WHERE id = $1 AND status = 'triage'`, [id]))
      .length > 0;
  await waitFor(inTriage, 15_000, 'the match');

  const question = `question ${secret()}`;
  await postDecision(desk, technician.token, reference, { type: 'request_info', message: question }).expect(
    200,
  );
  const answer = `answer ${secret()}`;
  await request(desk.app)
    .post(`/requests/${reference}/reply?token=${statusUrl.searchParams.get('token')}`)
    .field('message', answer)
    .expect(303);
  await waitFor(inTriage, 15_000, 'the reply to re-run matching');
  const rejection = `rejection ${secret()}`;
  await postDecision(desk, technician.token, reference, {
    type: 'reject',
    reason: 'no_purchase_found',
    message: rejection,
  }).expect(200);
  await outcomeMails(desk, id, reference);
  return { id, reference, statusUrl, personal: [...Object.values(words), question, answer, rejection] };
}

async function everythingAbout(id: number): Promise<string> {
  const parts = await Promise.all(
    TABLES.map((table) =>
      desk.base.db.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${table} t WHERE ${table === 'recovery_requests' ? 'id' : 'request_id'} = $1`,
        [id],
      ),
    ),
  );
  return parts
    .flat()
    .map((r) => r.row)
    .join('\n');
}

/** A delivery report about one of our emails, stored and processed as a bounce. */
async function bounceOf(emailId: number): Promise<void> {
  const [ours] = await desk.base.db.query<{ message_uuid: string }>(
    'SELECT message_uuid FROM emails WHERE id = $1',
    [emailId],
  );
  const raw = readFileSync(path.join(import.meta.dirname, 'fixtures/inbound/bounce-postfix.eml'), 'utf8')
    .replace('00000000-0000-4000-8000-000000000000', ours!.message_uuid)
    .replace(/<fixture-[^>]+>/, `<purge-bounce-${emailId}@mx.example.com>`);
  const { id } = await storeInbound(desk.base.db, desk.base.config, Buffer.from(raw), {
    via: 'smtp',
    from: null,
    to: [],
  });
  desk.web.relay.wake();
  await processedRow(desk, id);
}

/** The request's first email (its acknowledgement). */
async function firstEmailOf(requestId: number): Promise<number> {
  const [row] = await desk.base.db.query<{ id: number }>(
    'SELECT id FROM emails WHERE request_id = $1 ORDER BY id LIMIT 1',
    [requestId],
  );
  return Number(row!.id);
}

/**
 * "Email me my codes" through the API for a new address, with a licence bought with it or none,
 * waited for until answered and (when a licence was found) its email sent.
 */
async function answeredLookup(withLicence: boolean) {
  const email = `lookup.${secret()}@example.org`;
  const licence = withLicence ? await purchase(desk, { purchaser_email: email }) : null;
  const from = someClientAddress();
  await request(desk.app)
    .post('/api/v1/code-lookups')
    .set('X-Forwarded-For', from)
    .send({ email })
    .expect(202);
  let lookup: { id: number; email_id: number | null } | undefined;
  await waitFor(
    async () => {
      [lookup] = await desk.base.db.query<{ id: number; email_id: number | null }>(
        `SELECT l.id, l.email_id FROM code_lookups l LEFT JOIN emails e ON e.id = l.email_id
          WHERE l.client_ip = $1 AND l.status = 'done' AND (e.status = 'sent' OR l.licences = 0)`,
        [from],
      );
      return lookup !== undefined;
    },
    15_000,
    `the lookup of ${email} answered`,
  );
  const emailId = lookup!.email_id === null ? null : Number(lookup!.email_id);
  return { id: Number(lookup!.id), emailId, email, licence };
}

const lookupMadeDaysAgo = (id: number, days: number) =>
  desk.base.db.query(
    `UPDATE code_lookups SET created_at = now() - make_interval(days => $2::int) WHERE id = $1`,
    [id, days],
  );

const lookupRow = async (id: number) =>
  (
    await desk.base.db.query<Record<string, unknown>>(
      'SELECT email, mailbox, client_ip, locale, status, licences, created_at FROM code_lookups WHERE id = $1',
      [id],
    )
  )[0]!;

const emailRow = async (id: number | null) =>
  (
    await desk.base.db.query<{
      row: string;
      template: string;
      status: string;
      secret_text_enc: string | null;
      secret_facts_enc: string | null;
    }>(
      `SELECT row_to_json(e)::text AS row, template, status, secret_text_enc, secret_facts_enc
         FROM emails e WHERE id = $1`,
      [id],
    )
  )[0]!;

const closedDaysAgo = (id: number, days: number) =>
  desk.base.db.query(
    `UPDATE recovery_requests SET closed_at = now() - make_interval(days => $2::int) WHERE id = $1`,
    [id, days],
  );

describe('desk purge', () => {
  it('when a closed request is past retention, then its personal data is gone, the audit trail stays, and a second purge changes nothing', async () => {
    const old = await closedRequestWithPersonalData();
    const recent = await closedRequestWithPersonalData();
    await closedDaysAgo(old.id, 100);
    await closedDaysAgo(recent.id, 10);
    const before = await everythingAbout(old.id);
    for (const word of old.personal) assert.ok(before.includes(word), `before: ${word} is stored`);
    const [file] = await storedAttachments(desk.base.db, old.id);
    assert.ok(file!.chunks > 0, 'the uploaded file is in the database');
    // A file an older desk left on disk, not yet moved in by `desk migrate`, goes too.
    const onDisk = path.join('uploads', '2024-05', `${secret()}.pdf`);
    mkdirSync(path.join(desk.dataDir, 'uploads', '2024-05'), { recursive: true });
    writeFileSync(path.join(desk.dataDir, onDisk), PDF);
    await desk.base.db.query(
      `INSERT INTO attachments (request_id, original_name, content_type, size_bytes, sha256, storage_path)
       VALUES ($1, 'old.pdf', 'application/pdf', $2, 'x', $3)`,
      [old.id, PDF.length, onDisk],
    );

    const first = await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 90);

    assert.deepEqual(first, { purged: 1, lookupsPurged: 0, filesRemoved: 2, outboxFilesRemoved: 0 });
    const after = await everythingAbout(old.id);
    for (const word of old.personal) assert.ok(!after.includes(word), `after: ${word} is gone`);
    const [purged] = await storedAttachments(desk.base.db, old.id);
    assert.equal(purged!.chunks, 0, 'the uploaded file is removed from the database');
    assert.equal(purged!.storage_path, '');
    assert.ok(!existsSync(path.join(desk.dataDir, onDisk)), 'and the one an older desk left on disk');
    const [kept] = await storedAttachments(desk.base.db, recent.id);
    assert.ok(kept!.chunks > 0, 'a request within retention keeps its file');
    const events = await desk.base.db.query<{ type: string; actor: string }>(
      'SELECT type, actor FROM request_events WHERE request_id = $1 ORDER BY id',
      [old.id],
    );
    assert.deepEqual(
      events
        .map((e) => e.type)
        .filter((t) => ['received', 'info_requested', 'customer_replied', 'rejected'].includes(t)),
      ['received', 'info_requested', 'customer_replied', 'rejected'],
    );
    assert.ok(
      events.some((e) => e.actor === technician.user.email),
      'who decided stays',
    );
    const [rejected] = await desk.base.db.query<{ data: Record<string, unknown> }>(
      `SELECT data FROM request_events WHERE request_id = $1 AND type = 'rejected'`,
      [old.id],
    );
    assert.equal(rejected!.data.reason, 'no_purchase_found');
    const emails = await desk.base.db.query<{ template: string; status: string }>(
      'SELECT template, status FROM emails WHERE request_id = $1',
      [old.id],
    );
    assert.ok(emails.length >= 3 && emails.every((e) => e.status === 'sent'));
    await request(desk.app)
      .get(old.statusUrl.pathname + old.statusUrl.search)
      .expect(404);

    const recentData = await everythingAbout(recent.id);
    for (const word of recent.personal)
      assert.ok(recentData.includes(word), `a request closed 10 days ago keeps ${word}`);

    const second = await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 90);
    assert.deepEqual(second, { purged: 0, lookupsPurged: 0, filesRemoved: 0, outboxFilesRemoved: 0 });
    assert.equal(await everythingAbout(old.id), after);
  });

  it('when a closed request is purged, then the email messages about it and its reply addresses go, and a newer request keeps its own', async () => {
    const old = await fileMatchedRequest(desk, null);
    const recent = await fileMatchedRequest(desk, null);
    for (const ticket of [old, recent]) {
      await postDecision(desk, technician.token, ticket.reference, {
        type: 'reject',
        reason: 'no_purchase_found',
      }).expect(200);
      await newReplyToken(desk.base.db, ticket.id);
      await bounceOf(await firstEmailOf(ticket.id));
    }
    await closedDaysAgo(old.id, 100);
    const counts = async (id: number) =>
      desk.base.db.query<{ messages: number; tokens: number }>(
        `SELECT (SELECT count(*)::int FROM inbound_messages WHERE request_id = $1) AS messages,
                (SELECT count(*)::int FROM reply_tokens WHERE request_id = $1) AS tokens`,
        [id],
      );
    assert.deepEqual(await counts(old.id), [{ messages: 1, tokens: 1 }]);

    await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 90);

    assert.deepEqual(await counts(old.id), [{ messages: 0, tokens: 0 }]);
    assert.deepEqual(await counts(recent.id), [{ messages: 1, tokens: 1 }]);
  });

  it('when an answered code lookup is past retention, then its address and its email go, its figures and the codes it sent stay, and a second purge changes nothing', async () => {
    const old = await answeredLookup(true);
    const foundNothing = await answeredLookup(false);
    const recent = await answeredLookup(true);
    await bounceOf(old.emailId!);
    // Without SMTP_URL its email would also be a file in DATA_DIR/outbox: that goes with it.
    const outboxFile = path.join(outboxDir(desk.dataDir), outboxFileName(old.emailId!));
    mkdirSync(outboxDir(desk.dataDir), { recursive: true });
    writeFileSync(outboxFile, `To: ${old.email}\n`);
    for (const lookup of [old, foundNothing]) await lookupMadeDaysAgo(lookup.id, 100);
    await lookupMadeDaysAgo(recent.id, 10);
    const oldBefore = await lookupRow(old.id);
    const sent = await emailRow(old.emailId);
    assert.ok(
      sent.row.includes(old.email) && sent.row.includes(old.licence!.license_number),
      'the email names both',
    );
    const bounces = async () =>
      (
        await desk.base.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM inbound_messages WHERE email_id = $1',
          [old.emailId],
        )
      )[0]!.n;
    assert.equal(await bounces(), 1);
    assert.equal((await purgeableCount(desk.base.db, 90)).lookups, 2, 'a dry run counts them');

    const first = await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 90);

    assert.equal(first.lookupsPurged, 2);
    assert.equal(first.outboxFilesRemoved, 1);
    assert.ok(!existsSync(outboxFile), 'the email as a file is gone');
    assert.deepEqual(await lookupRow(old.id), { ...oldBefore, email: null, mailbox: null, client_ip: null });
    assert.equal(
      (await lookupRow(foundNothing.id)).client_ip,
      null,
      'a lookup that found nothing forgets where from',
    );
    const redacted = await emailRow(old.emailId);
    assert.ok(!redacted.row.includes(old.email), 'the email forgets the address');
    assert.ok(!redacted.row.includes(old.licence!.license_number), 'and the licences it listed');
    assert.ok(sent.secret_text_enc && sent.secret_facts_enc, 'the codes were kept encrypted');
    assert.deepEqual([redacted.secret_text_enc, redacted.secret_facts_enc], [null, null], 'and go');
    assert.deepEqual(
      [redacted.template, redacted.status],
      ['code-lookup', 'bounced'],
      'which email went out, and what became of it, stays',
    );
    assert.equal(await bounces(), 0, 'the delivery report about it goes');
    const [codes] = await desk.base.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM code_lookup_codes WHERE lookup_id = $1',
      [old.id],
    );
    assert.equal(codes!.n, 1, 'which code it sent stays, for repeat_recovery');
    const kept = await lookupRow(recent.id);
    assert.equal(kept.email, recent.email, 'a lookup made 10 days ago keeps its address');
    assert.ok((await emailRow(recent.emailId)).row.includes(recent.email), 'and its email');

    const second = await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 90);
    assert.deepEqual(second, { purged: 0, lookupsPurged: 0, filesRemoved: 0, outboxFilesRemoved: 0 });
    assert.equal((await purgeableCount(desk.base.db, 90)).lookups, 0);
  });

  it('when a lookup is purged within the 30 days repeat_recovery looks back, then a request for the licence it sent is still flagged', async () => {
    const lookup = await answeredLookup(true);
    await lookupMadeDaysAgo(lookup.id, 10);
    await desk.base.db.query(
      `UPDATE code_lookup_codes SET sent_at = now() - interval '10 days' WHERE lookup_id = $1`,
      [lookup.id],
    );

    const purged = await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 7);

    assert.ok(purged.lookupsPurged >= 1);
    assert.equal((await lookupRow(lookup.id)).email, null);
    const again = await fileMatchedRequest(desk, lookup.licence);
    const [match] = await desk.base.db.query<{ result: { flags: string[] } }>(
      'SELECT result FROM match_results WHERE request_id = $1',
      [again.id],
    );
    assert.ok(match!.result.flags.includes('repeat_recovery'));
  });

  it('when a request is still open, then no retention period purges it', async () => {
    const open = await fileMatchedRequest(desk, null);
    await desk.base.db.query(
      `UPDATE recovery_requests SET created_at = now() - interval '400 days' WHERE id = $1`,
      [open.id],
    );
    await purgeClosedRequests({ db: desk.base.db, dataDir: desk.dataDir }, 1);
    const [row] = await desk.base.db.query<{ email: string; purged_at: Date | null }>(
      'SELECT email, purged_at FROM recovery_requests WHERE id = $1',
      [open.id],
    );
    assert.equal(row!.email, open.email);
    assert.equal(row!.purged_at, null);
  });

  it('when called without a valid --older-than, then exit 2 naming it', () => {
    const desk = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/desk.ts', 'purge', ...args], {
        encoding: 'utf8',
      });
    for (const args of [
      [],
      ['--older-than', 'soon'],
      ['--older-than', '0'],
      ['--older-than', '30', 'extra'],
    ]) {
      const run = desk(...args);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /--older-than|Unexpected arguments/);
    }
  });
});
