import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FaultDesk, file, requestFor } from './helpers/fault-desk.ts';
import { assertProcessedOnce } from './helpers/outcomes.ts';
import type { DeskProcess } from './helpers/processes.ts';
import { createUserWithToken } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

// Two web and two worker processes on one Redis and one PostgreSQL database, as production runs
// them: jobs are shared out, decisions arrive at both web processes at once.

let desk: FaultDesk | undefined;
let webs: DeskProcess[] = [];
before(async () => {
  desk = await FaultDesk.start();
  webs = await Promise.all([desk.spawn('web'), desk.spawn('web')]);
  await Promise.all([desk.spawn('worker'), desk.spawn('worker')]);
});
after(() => desk?.stop());

const TICKETS = 24;

async function decide(web: DeskProcess, token: string, reference: string, key?: string) {
  const res = await fetch(`${web.url}/api/v1/tickets/${reference}/decisions`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${token}`,
      ...(key ? { 'Idempotency-Key': key } : {}),
    },
    body: JSON.stringify({ type: 'reissue', mode: 'resend' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('when two web and two worker processes share the load', { timeout: 240_000 }, () => {
  it('then every job is processed once and every decision acts once, whichever process gets it', async () => {
    assert.ok(desk, 'the fault desk started');
    const d = desk;
    const purchases = await Promise.all(Array.from({ length: TICKETS }, () => d.purchase()));
    const filed = await Promise.all(purchases.map((p, i) => file(webs[i % 2]!.url, requestFor(p))));
    assert.deepEqual(
      filed.filter((f) => f.status !== 201),
      [],
      'every request accepted',
    );
    const references = filed.map((f) => f.reference!);
    await assertProcessedOnce(d, references);

    const [alice, bob] = await Promise.all([createUserWithToken(d.db), createUserWithToken(d.db)]);
    // Half the tickets: one technician's retry, the same key at both web processes at once.
    // The other half: two technicians at once, each with a key of their own: one acts, one is 409.
    const answers = await Promise.all(
      references.map(async (reference, i) => {
        if (i % 2 === 0) {
          const key = randomBytes(8).toString('hex');
          const both = await Promise.all([
            decide(webs[0]!, alice.token, reference, key),
            decide(webs[1]!, alice.token, reference, key),
          ]);
          return { reference, same: true, statuses: both.map((b) => b.status).sort() };
        }
        const both = await Promise.all([
          decide(webs[0]!, alice.token, reference, randomBytes(8).toString('hex')),
          decide(webs[1]!, bob.token, reference, randomBytes(8).toString('hex')),
        ]);
        return { reference, same: false, statuses: both.map((b) => b.status).sort() };
      }),
    );
    for (const a of answers)
      assert.deepEqual(
        a.statuses,
        a.same ? [200, 200] : [200, 409],
        `${a.reference} (${a.same ? 'same key' : 'two keys'})`,
      );

    await waitFor(
      async () => {
        const [row] = await d.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM emails WHERE status <> 'sent'`,
        );
        return row!.n === 0;
      },
      120_000,
      'every email sent',
    );
    const acted = await d.db.query<{ reference: string; status: string; sent: number; code_emails: number }>(
      `SELECT r.reference, r.status,
              (SELECT count(*)::int FROM request_events e WHERE e.request_id = r.id AND e.type = 'code_sent') AS sent,
              (SELECT count(*)::int FROM emails e WHERE e.request_id = r.id AND e.template <> 'request-received') AS code_emails
         FROM recovery_requests r WHERE r.reference = ANY($1::text[])`,
      [references],
    );
    for (const r of acted) {
      assert.equal(r.status, 'resolved', r.reference);
      assert.equal(r.sent, 1, `${r.reference}: the code sent once`);
      assert.equal(r.code_emails, 1, `${r.reference}: one code email`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(d.smtp.duplicates(), [], 'no email arrived twice');
    for (const p of purchases) {
      const toBuyer = d.smtp.received.filter((m) => m.to.includes(p.purchaser_email));
      assert.equal(toBuyer.length, 2, `${p.purchaser_email}: the acknowledgement and the code, once each`);
    }
  });
});
