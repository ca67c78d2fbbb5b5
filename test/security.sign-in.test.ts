import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createSignInLimits, DEFAULT_SIGN_IN_LIMITS } from '../src/limits/sign-in-limits.ts';
import { insertUser } from '../src/auth/users.repository.ts';
import { createApp } from '../src/http/app.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { csrfFrom } from './helpers/session.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ workers: false });
});
after(() => desk.stop());

/**
 * A staff account whose password was stored at the old cost (scrypt N=2^15), as every account
 * made before N=2^17 is: each wrong guess then costs a quarter of a second of CPU, not one, and
 * fifty of them stay affordable for a test. The desk upgrades it at the owner's sign-in.
 */
async function staffWithOldHash(): Promise<{ email: string; password: string }> {
  const email = `owner.${randomBytes(4).toString('hex')}@desk.test`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  const hash = ['scrypt', 2 ** 15, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
  await insertUser(desk.base.db, { email, role: 'technician', passwordHash: hash });
  return { email, password };
}

/** Opens the form and posts it from `address` (the desk believes X-Forwarded-For from loopback). */
async function signInFrom(
  app: typeof desk.app,
  address: string,
  fields: { email: string; password: string },
) {
  const agent = request.agent(app);
  const form = await agent.get('/desk/sign-in').expect(200);
  return agent
    .post('/desk/sign-in')
    .type('form')
    .set('X-Forwarded-For', address)
    .send({ _csrf: csrfFrom(form.text), ...fields });
}

async function auditRows(where: { subject?: string; address?: string }) {
  return desk.base.db.query<{
    action: string;
    actor: string;
    subject: string | null;
    address: string;
    data: { scope?: string };
  }>(
    `SELECT action, actor, subject, address, data FROM audit_events
      WHERE action IN ('sign_in_failed', 'account_throttled')
        AND ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR address = $2)
      ORDER BY id`,
    [where.subject ?? null, where.address ?? null],
  );
}

describe('sign-in throttling (the desk’s own limits)', () => {
  it('finding 5: when a stranger fails 50 times from other addresses, then the owner still signs in from theirs, and the stranger’s addresses are paused', async () => {
    const owner = await staffWithOldHash();
    const strangers = Array.from({ length: 10 }, (_, i) => `203.0.113.${i + 1}`);
    const guesses = strangers.flatMap((address) =>
      Array.from({ length: 5 }, (_, i) =>
        signInFrom(desk.app, address, { email: owner.email, password: `guess ${i}` }),
      ),
    );
    const answers = await Promise.all(guesses);
    assert.equal(answers.length, 50);
    for (const res of answers) assert.ok([401, 429].includes(res.status), `a guess answered ${res.status}`);

    const started = Date.now();
    const res = await signInFrom(desk.app, '198.51.100.7', owner);
    assert.equal(res.status, 303, 'the right password from an address that did nothing wrong');
    assert.equal(res.headers.location, '/desk');
    assert.ok(
      Date.now() - started >= DEFAULT_SIGN_IN_LIMITS.maxDelayMs,
      'slowed, as every answer for the account',
    );

    const again = await signInFrom(desk.app, strangers[0]!, owner);
    assert.equal(
      again.status,
      429,
      'the stranger’s address is paused for that account, even with the password',
    );
    assert.match(again.text, /Sign-in is paused: try again in 15 minutes/);

    const rows = await auditRows({ subject: owner.email });
    const failed = rows.filter((r) => r.action === 'sign_in_failed');
    assert.equal(failed.length, 50, 'one row per failure, none for the paused attempt');
    assert.ok(failed.every((r) => r.actor === owner.email.toLowerCase() && strangers.includes(r.address)));
    const throttled = rows.filter((r) => r.action === 'account_throttled');
    assert.deepEqual(
      throttled.map((r) => r.data.scope).sort(),
      ['account', ...strangers.map(() => 'pair')].sort(),
    );
  });

  it('finding 5: when an attacker draws fresh addresses from one IPv6 /64, then they count as one address', async () => {
    const owner = await staffWithOldHash();
    // Five: the default limit for one account from one address (README).
    for (let i = 1; i <= 5; i++) {
      const res = await signInFrom(desk.app, `2001:db8:5:5::${i}`, {
        email: owner.email,
        password: `guess ${i}`,
      });
      assert.ok([401, 429].includes(res.status));
    }
    const fresh = await signInFrom(desk.app, '2001:db8:5:5:ffff::99', owner);
    assert.equal(fresh.status, 429, 'another address of the same /64 is the same client');
    const neighbour = await signInFrom(desk.app, '2001:db8:5:6::1', owner);
    assert.equal(neighbour.status, 303, 'the next /64 is someone else');
  });
});

describe('sign-in throttling per address (a lower limit, to keep the test short)', () => {
  it('finding 5: when one address fails across accounts, then it is paused, and its further attempts write no audit rows', async () => {
    const limits = createSignInLimits(desk.web.redis, {
      ...DEFAULT_SIGN_IN_LIMITS,
      prefix: `${desk.web.queues.prefix}:spray`,
      address: { slowAfter: 100, pauseAfter: 4 },
    });
    const app = createApp({ ...desk.web, signInLimits: limits });
    const owner = await staffWithOldHash();
    const sprayer = '192.0.2.66';
    const answers = [];
    for (let i = 1; i <= 4; i++)
      answers.push(
        (await signInFrom(app, sprayer, { email: `spray${i}@desk.test`, password: 'guess' })).status,
      );
    assert.deepEqual(answers, [401, 401, 401, 429]);

    const written = await auditRows({ address: sprayer });
    assert.deepEqual(
      written.map((r) => [r.action, r.data.scope ?? null]),
      [...Array.from({ length: 4 }, () => ['sign_in_failed', null]), ['account_throttled', 'address']],
    );
    assert.equal(written[0]!.actor, 'spray1@desk.test', 'the account as typed');
    assert.equal(written[0]!.subject, null, 'no user has it');

    const hammered = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signInFrom(app, sprayer, { email: `more${i}@desk.test`, password: 'x' }),
      ),
    );
    assert.ok(hammered.every((r) => r.status === 429));
    assert.equal((await signInFrom(app, sprayer, owner)).status, 429, 'the right password too, from there');
    assert.equal(
      (await auditRows({ address: sprayer })).length,
      written.length,
      'nothing written while paused',
    );
    assert.equal((await signInFrom(app, '192.0.2.67', owner)).status, 303, 'the owner, elsewhere, signs in');
  });
});
