/**
 * Activation codes go in one email each and nowhere else. After a whole reissue flow (requests
 * filed, matched, one code replaced and one resent through the API), each code is searched for
 * in every email the SMTP server received, every API response and console page seen on the way,
 * every row of every table, every Redis key and value, and every log line the desk wrote at
 * LOG_LEVEL=trace (plus anything written to stdout or stderr meanwhile), and every webhook body a
 * receiving endpoint (subscribed to every event) got.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import request from 'supertest';
import { MASKED_CODE } from '../src/codes/activation-code.ts';
import { createCodeCipher } from '../src/purchases/code-cipher.ts';
import { WEBHOOK_EVENTS } from '../src/webhooks/webhook-events.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import type { TestPurchase } from './helpers/purchases.ts';
import {
  fileMatchedRequest,
  getTicket,
  mailText,
  outcomeMails,
  postDecision,
  purchase,
  type FiledTicket,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import { registerEndpoint, WebhookReceiver } from './helpers/webhook-receiver.ts';

let desk: TestDesk;
let tech: SignedIn & TestUser;
let admin: TestUser;
let receiver: WebhookReceiver;
const logLines: string[] = [];
const consoleOutput: string[] = [];
/** Every API response body and console page seen during the flow, with where it came from. */
const seen: { where: string; text: string }[] = [];

let replaced: { purchase: TestPurchase; ticket: FiledTicket; oldCode: string; newCode: string };
let resent: { purchase: TestPurchase; ticket: FiledTicket; code: string };

/** The code as written, and the forms a careless log or page might turn it into. */
function forms(code: string): string[] {
  return [code, code.replace(/-/g, ''), code.toLowerCase(), code.replace(/-/g, '').toLowerCase()];
}
function containsCode(text: string, code: string): boolean {
  return forms(code).some((form) => text.includes(form));
}
function allCodes(): string[] {
  return [replaced.oldCode, replaced.newCode, resent.code];
}

async function currentCode(purchaseId: number): Promise<string> {
  const [row] = await desk.base.db.query<{ activation_code_enc: string }>(
    'SELECT activation_code_enc FROM purchases WHERE id = $1',
    [purchaseId],
  );
  return createCodeCipher(desk.base.config.secretKey).decrypt(row!.activation_code_enc);
}

function keep(where: string, res: { status: number; text: string }) {
  seen.push({ where: `${where} (${res.status})`, text: res.text });
  return res;
}

/** Copies what is written to stdout and stderr while the flow runs (passing it on). */
function captureConsole(): () => void {
  const originals = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const tap =
    (original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      consoleOutput.push(
        typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'),
      );
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(originals.out);
  process.stderr.write = tap(originals.err);
  return () => {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  };
}

before(async () => {
  receiver = await WebhookReceiver.start();
  desk = await startDesk({
    env: {
      INTAKE_LIMIT_PER_IP: '0',
      INTAKE_LIMIT_PER_EMAIL: '0',
      LOG_LEVEL: 'trace',
      WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    },
    logDestination: { write: (line) => void logLines.push(line) },
  });
  const restore = captureConsole();
  try {
    tech = await signInAs(desk.app, desk.base.db, 'technician');
    admin = await createUserWithToken(desk.base.db, 'admin');
    await registerEndpoint(desk.app, admin.token, receiver.url, WEBHOOK_EVENTS);

    // Replace: the purchaser asks; a new code is drawn and the old one revoked.
    const p1 = await purchase(desk);
    const t1 = await fileMatchedRequest(desk, p1);
    keep('GET ticket before', await getTicket(desk, tech.token, t1.reference));
    keep(
      'POST claim',
      await request(desk.app)
        .post(`/api/v1/tickets/${t1.reference}/claim`)
        .set('Authorization', `Bearer ${tech.token}`)
        .send({}),
    );
    const r1 = keep(
      'POST reissue replace',
      await postDecision(desk, tech.token, t1.reference, { type: 'reissue', mode: 'replace' }),
    );
    assert.equal(r1.status, 200, r1.text);
    const newCode = await currentCode(p1.id);
    assert.notEqual(newCode, p1.activation_code, 'a new code was drawn');
    replaced = { purchase: p1, ticket: t1, oldCode: p1.activation_code, newCode };

    // Resend: someone else's mailbox asks; the code goes to the purchaser, the requester is told where.
    const p2 = await purchase(desk);
    const t2 = await fileMatchedRequest(desk, p2, { email: `requester.${p2.id}@example.org` });
    const r2 = keep(
      'POST reissue resend',
      await postDecision(desk, tech.token, t2.reference, { type: 'reissue', mode: 'resend' }),
    );
    assert.equal(r2.status, 200, r2.text);
    resent = { purchase: p2, ticket: t2, code: p2.activation_code };

    await outcomeMails(desk, t1.id, t1.reference);
    await outcomeMails(desk, t2.id, t2.reference);

    // What the API and the console show afterwards.
    for (const t of [t1, t2]) {
      keep(`GET ticket ${t.reference}`, await getTicket(desk, tech.token, t.reference));
      keep(
        `GET customer view ${t.reference}`,
        await request(desk.app)
          .get(`/api/v1/recovery-requests/${t.reference}`)
          .set('Authorization', `Bearer ${t.token}`),
      );
      keep(
        `status page ${t.reference}`,
        await request(desk.app).get(`/requests/${t.reference}?token=${t.token}`),
      );
      keep(`request page ${t.reference}`, await tech.agent.get(`/desk/requests/${t.reference}`));
      const emails = await desk.base.db.query<{ id: number }>('SELECT id FROM emails WHERE request_id = $1', [
        t.id,
      ]);
      for (const e of emails) keep(`stored email ${e.id}`, await tech.agent.get(`/desk/emails/${e.id}`));
    }
    keep(
      'GET tickets',
      await request(desk.app).get('/api/v1/tickets?status=all').set('Authorization', `Bearer ${tech.token}`),
    );
    keep(
      'GET approvals',
      await request(desk.app).get('/api/v1/approvals').set('Authorization', `Bearer ${tech.token}`),
    );
    keep('queue page', await tech.agent.get('/desk?status=all'));
    await waitFor(
      async () => {
        const [row] = await desk.base.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'",
        );
        return row!.n === 0;
      },
      15_000,
      'every webhook delivered',
    );
  } finally {
    restore();
  }
});
after(async () => {
  await desk.stop();
  await receiver.stop();
});

describe('where the activation codes go', () => {
  it('when the codes are sent, then each current code is in exactly one email, to the purchaser of record, and the revoked one in none', () => {
    const mails = desk.smtp.received;
    for (const [code, to, reference] of [
      [replaced.newCode, replaced.purchase.purchaser_email, replaced.ticket.reference],
      [resent.code, resent.purchase.purchaser_email, resent.ticket.reference],
    ] as const) {
      const carrying = mails.filter((m) => containsCode(mailText(m), code));
      assert.equal(carrying.length, 1, `emails carrying ${reference}'s code`);
      assert.deepEqual(carrying[0]!.to, [to]);
      assert.ok(carrying[0]!.parsed.subject?.includes(reference));
      assert.ok(
        carrying[0]!.parsed.text?.includes(code) && carrying[0]!.parsed.html?.includes(code),
        'in both parts',
      );
    }
    assert.equal(
      mails.filter((m) => containsCode(mailText(m), replaced.oldCode)).length,
      0,
      'the revoked code',
    );
    // The requester of the resent code was told where it went, without it.
    const notice = mails.filter(
      (m) => m.to.includes(resent.ticket.email) && m.parsed.subject?.includes(resent.ticket.reference),
    );
    assert.ok(notice.length >= 1, 'the requester got mail');
    for (const m of notice) assert.ok(!containsCode(mailText(m), resent.code));
  });

  it('when every API response and console page of the flow is read, then no code is in any', () => {
    assert.ok(seen.length >= 14, `${seen.length} responses`);
    assert.ok(
      seen.some((s) => s.text.includes(replaced.ticket.reference)),
      'the responses are the real ones',
    );
    for (const { where, text } of seen)
      for (const code of allCodes()) assert.ok(!containsCode(text, code), `${where} shows a code`);
  });

  it('when every webhook body of the flow is read, then it holds references, statuses and ids only: no code, no token, no free text', () => {
    const types = new Set(receiver.processed.map((r) => r.type));
    for (const type of ['request.filed', 'request.matched', 'request.resolved', 'license.code_replaced'])
      assert.ok(types.has(type), `a ${type} delivery was received (${[...types].join(', ')})`);
    const tickets = [replaced.ticket, resent.ticket];
    const purchases = [replaced.purchase, resent.purchase];
    const neverSent = [
      ...tickets.flatMap((t) => [t.token, t.email]),
      ...purchases.flatMap((p) => [p.purchaser_email, p.purchaser_name]),
      tech.token,
      admin.token,
      'I reinstalled Windows',
    ];
    const allowed = ['reference', 'request_status', 'verdict', 'approval_id', 'decision', 'license_number'];
    for (const { body } of receiver.received) {
      for (const code of allCodes()) assert.ok(!containsCode(body, code), `a code in webhook ${body}`);
      for (const secret of neverSent) assert.ok(!body.includes(secret), `${secret} in webhook ${body}`);
      const payload = JSON.parse(body) as { data: Record<string, unknown> };
      for (const [key, value] of Object.entries(payload.data)) {
        assert.ok(allowed.includes(key), `data.${key} in webhook ${body}`);
        assert.ok(
          typeof value === 'number' || /^[\w.-]{1,40}$/.test(String(value)),
          `data.${key}: ${String(value)}`,
        );
      }
    }
  });

  it('when the emails table is read, then html and text keep the masked code only', async () => {
    const rows = await desk.base.db.query<{ template: string; subject: string; html: string; text: string }>(
      'SELECT template, subject, html, text FROM emails WHERE request_id = ANY($1)',
      [[replaced.ticket.id, resent.ticket.id]],
    );
    const withCode = rows.filter((r) => r.template === 'reissue-code');
    assert.equal(withCode.length, 2);
    for (const r of withCode)
      assert.ok(r.text.includes(MASKED_CODE) && r.html.includes(MASKED_CODE), 'masked copy');
    for (const r of rows)
      for (const code of allCodes())
        assert.ok(!containsCode(`${r.subject}\n${r.html}\n${r.text}`, code), `emails row ${r.template}`);
  });

  it('when every row of every table is read, then no code is there in clear', async () => {
    const tables = await desk.base.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    assert.ok(tables.some((t) => t.table_name === 'emails'));
    for (const { table_name } of tables) {
      const rows = await desk.base.db.query(`SELECT * FROM "${table_name.replace(/"/g, '')}"`);
      const text = JSON.stringify(rows);
      for (const code of allCodes()) assert.ok(!containsCode(text, code), `table ${table_name}`);
    }
  });

  it('when every Redis key and value is read, then no code is there', async () => {
    const redis = new Redis(desk.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      let cursor = '0';
      let keys = 0;
      let dump = '';
      do {
        const [next, batch] = await redis.scan(cursor, 'COUNT', 500);
        cursor = next;
        for (const key of batch) {
          keys++;
          dump += `\n${key}\n${JSON.stringify(await readKey(redis, key))}`;
        }
      } while (cursor !== '0');
      assert.ok(keys > 5, `${keys} keys`);
      assert.ok(
        dump.includes('"requestId"') || dump.includes('emailId') || dump.includes('"id"'),
        'job data was read',
      );
      for (const code of allCodes()) assert.ok(!containsCode(dump, code), 'a code in Redis');
    } finally {
      redis.disconnect();
    }
  });

  it('when the desk logs at trace level, then no log line carries a code', () => {
    const logs = logLines.join('');
    // Every request and job is logged (pino-http, the workers); the lines are the desk's own.
    assert.ok(logLines.length > 20, `${logLines.length} log lines`);
    assert.ok(
      logs.includes(`/api/v1/tickets/${replaced.ticket.reference}/decisions`),
      'the decision was logged',
    );
    for (const code of allCodes()) {
      assert.ok(!containsCode(logs, code), 'a code in the log');
      assert.ok(!containsCode(consoleOutput.join(''), code), 'a code on stdout or stderr');
    }
  });
});

async function readKey(redis: Redis, key: string): Promise<unknown> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1', 'WITHSCORES');
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return `(${type})`;
  }
}
