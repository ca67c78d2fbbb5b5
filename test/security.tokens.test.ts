/**
 * API tokens and the audit of administration (README "Security"; issue 11, finding 13): tokens are made
 * by their owner (or the operator's `desk token create`, recorded as cli), expire, die for good
 * with their user's disabling, and every change to users and tokens is an audit event admins
 * read on a page and through the API. Everything here goes through HTTP, the command line and
 * SQL, as an operator would see it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { embeddedDataDir } from './helpers/database.ts';
import { openBrowser, screenshot, serve, signInThroughForm, skipWithoutChromium } from './helpers/browser.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { signIn, signInAs, type SignedIn, postForm } from './helpers/session.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let admin: SignedIn & TestUser;
before(async () => {
  desk = await startDesk({ workers: false });
  admin = await signInAs(desk.app, desk.base.db, 'admin');
});
after(() => desk.stop());

const post = postForm;

/** What an API call with this token gets: 200 for a live token, 401 for anything else. */
async function apiStatus(token: string): Promise<{ status: number; message: string }> {
  const res = await request(desk.app).get('/api/v1/approvals').set('Authorization', `Bearer ${token}`);
  return { status: res.status, message: (res.body as { message?: string }).message ?? '' };
}

const UNKNOWN = `rdt_${'Q'.repeat(43)}`;

/** Makes a token under "My tokens" with the user's session; the token shown once. */
async function myToken(who: SignedIn, fields: Record<string, string> = {}): Promise<string> {
  const res = await post(who, '/desk/tokens', fields).expect(201);
  assert.match(res.headers['cache-control'] ?? '', /no-store/);
  return /<code class="secret" id="token">(rdt_[\w-]{43})<\/code>/.exec(res.text)![1]!;
}

async function tokenRow(label: string) {
  const [row] = await desk.base.db.query<Record<string, unknown>>(
    `SELECT t.*, round(extract(epoch FROM t.expires_at - t.created_at) / 86400)::int AS days
       FROM api_tokens t WHERE label = $1`,
    [label],
  );
  return row;
}

async function auditSince(id: number) {
  return desk.base.db.query<{
    id: number;
    actor: string;
    actor_id: number | null;
    action: string;
    subject: string | null;
    address: string | null;
    at: Date;
  }>('SELECT id, actor, actor_id, action, subject, address, at FROM audit_events WHERE id > $1 ORDER BY id', [
    id,
  ]);
}

async function lastAuditId(): Promise<number> {
  const [row] = await desk.base.db.query<{ id: number | null }>(
    'SELECT max(id)::int AS id FROM audit_events',
  );
  return row?.id ?? 0;
}

describe('finding 13: tokens die with their user, expire, and record their creator', () => {
  it('finding 13: when an admin disables a user, then all their tokens are revoked for good: enabling them again brings none back', async () => {
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    assert.equal((await apiStatus(tech.token)).status, 200);

    await post(admin, `/desk/admin/users/${tech.user.id}/disable`).expect(303);
    await post(admin, `/desk/admin/users/${tech.user.id}/enable`).expect(303);

    assert.equal((await apiStatus(tech.token)).status, 401, 'the token stays dead');
    const rows = await desk.base.db.query<{ revoked_reason: string; revoked_by: number }>(
      'SELECT revoked_reason, revoked_by FROM api_tokens WHERE user_id = $1',
      [tech.user.id],
    );
    assert.deepEqual(
      rows.map((r) => [r.revoked_reason, Number(r.revoked_by)]),
      [['user_disabled', admin.user.id]],
    );
    const again = await signIn(desk.app, tech.user.email, tech.password);
    const page = await again.agent.get('/desk/tokens').expect(200);
    assert.match(page.text, /when its user was disabled/);
    const fresh = await myToken(again, { label: 'after enable' });
    assert.equal((await apiStatus(fresh)).status, 200, 'a new one works');
  });

  it('finding 13: when a user with several tokens is disabled, then every one of them is revoked', async () => {
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const second = await myToken(tech, { label: 'second of tech' });
    await post(admin, `/desk/admin/users/${tech.user.id}/disable`).expect(303);
    await post(admin, `/desk/admin/users/${tech.user.id}/enable`).expect(303);
    assert.equal((await apiStatus(tech.token)).status, 401);
    assert.equal((await apiStatus(second)).status, 401);
  });

  it('finding 13: when a token is past its expiry, then it authenticates as nothing (401, the same message as an unknown token)', async () => {
    const user = await createUserWithToken(desk.base.db, 'technician');
    assert.equal((await apiStatus(user.token)).status, 200);
    await desk.base.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      user.tokenId,
    ]);
    const expired = await apiStatus(user.token);
    assert.equal(expired.status, 401);
    assert.equal(expired.message, (await apiStatus(UNKNOWN)).message);
  });

  it('finding 13: when a user makes a token under My tokens, then it expires in 90 days unless they say otherwise, and records them as its creator', async () => {
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    await myToken(tech, { label: 'default expiry' });
    await myToken(tech, { label: 'a week', expires_in_days: '7' });
    const standard = (await tokenRow('default expiry'))!;
    assert.equal(standard.days, 90);
    assert.equal(Number(standard.created_by), tech.user.id);
    assert.equal(standard.created_via, 'console');
    assert.equal((await tokenRow('a week'))!.days, 7);
    const page = await tech.agent.get('/desk/tokens').expect(200);
    assert.match(page.text, /default expiry/);
    assert.doesNotMatch(page.text, /rdt_/, 'the list never shows a token');
  });

  const badForms: [string, Record<string, string>, RegExp][] = [
    ['the label holds a control character', { label: 'lap\u0000top' }, /must not contain control characters/],
    ['the label holds a line break', { label: 'lap\ntop' }, /must not contain control characters/],
    ['the label is too long', { label: 'x'.repeat(101) }, /at most 100 characters/],
    ['the expiry is not a number', { label: 'bad expiry', expires_in_days: 'soon' }, /whole number of days/],
    ['the expiry is too long', { label: 'bad expiry', expires_in_days: '366' }, /at most 365 days/],
    ['the scope is unknown', { label: 'bad scope', scopes: 'purchases:delete' }, /Unknown scope/],
  ];
  for (const [label, fields, message] of badForms) {
    it(`finding 13: when ${label}, then 422 with a clear message and no token is made`, async () => {
      const tech = await signInAs(desk.app, desk.base.db, 'technician');
      const res = await post(tech, '/desk/tokens', fields);
      assert.equal(res.status, 422);
      assert.match(res.text, message);
      assert.doesNotMatch(res.text, /rdt_/);
      const rows = await desk.base.db.query('SELECT 1 FROM api_tokens WHERE user_id = $1', [tech.user.id]);
      assert.equal(rows.length, 1, 'only the token the test helper made');
    });
  }

  it('when a user ticks purchases:write under My tokens, then the token holds that scope, the new-token page, My tokens and the admin’s users page list it, and its audit event names it', async () => {
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const form = await tech.agent.get('/desk/tokens').expect(200);
    assert.match(
      form.text,
      /<input type="checkbox" id="token-scope-0" name="scopes" value="purchases:write">/,
    );
    const start = await lastAuditId();
    const made = await post(tech, '/desk/tokens', { label: 'shop feed', scopes: 'purchases:write' }).expect(
      201,
    );
    assert.match(made.text, /with scopes: purchases:write/);
    await myToken(tech, { label: 'plain' });
    assert.deepEqual((await tokenRow('shop feed'))!.scopes, ['purchases:write']);
    assert.deepEqual((await tokenRow('plain'))!.scopes, [], 'no scope unless ticked');

    const row = (label: string, html: string) =>
      new RegExp(`<td>${label}</td>(?:(?!</tr>)[\\s\\S])*`).exec(html)![0];
    const mine = (await tech.agent.get('/desk/tokens').expect(200)).text;
    assert.match(row('shop feed', mine), /<td>purchases:write<\/td>/);
    assert.match(row('plain', mine), /<td>none<\/td>/);
    const users = (await admin.agent.get('/desk/admin/users').expect(200)).text;
    assert.match(row('shop feed', users), /<td>purchases:write<\/td>/);

    const [event] = await desk.base.db.query<{ data: { scopes: string[] } }>(
      `SELECT data FROM audit_events WHERE id > $1 AND action = 'token_created' ORDER BY id LIMIT 1`,
      [start],
    );
    assert.deepEqual(event!.data.scopes, ['purchases:write']);
  });

  it('finding 13: when a user tries to revoke someone else’s token under My tokens, then 404 and it still works; their own they can revoke', async () => {
    const owner = await createUserWithToken(desk.base.db, 'technician');
    const other = await signInAs(desk.app, desk.base.db, 'technician');
    await post(other, `/desk/tokens/${owner.tokenId}/revoke`).expect(404);
    assert.equal((await apiStatus(owner.token)).status, 200);
    await post(other, `/desk/tokens/${other.tokenId}/revoke`).expect(303);
    assert.equal((await apiStatus(other.token)).status, 401);
  });

  it('finding 13: when the operator runs desk token create, then the token records created_by cli, its --expires-in, and an audit event by cli', async () => {
    const { dir, remove } = embeddedDataDir();
    try {
      const desk = (args: string[], input = '') =>
        spawnSync(process.execPath, ['bin/desk.js', ...args], {
          input,
          encoding: 'utf8',
          env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' },
        });
      const added = desk(
        ['user', 'add', '--email', 'ops@example.com', '--role', 'supervisor'],
        'a long enough password\n',
      );
      assert.equal(added.status, 0, added.stderr);
      const made = desk([
        'token',
        'create',
        '--email',
        'ops@example.com',
        '--label',
        'cron',
        '--expires-in',
        '30',
      ]);
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout.trim(), /^rdt_[\w-]{43}$/);
      const bad = desk(['token', 'create', '--email', 'ops@example.com', '--expires-in', '0']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--expires-in: The expiry must be at least 1 day/);
      const scoped = desk([
        'token',
        'create',
        '--email',
        'ops@example.com',
        '--label',
        'shop',
        '--scope',
        'purchases:write',
      ]);
      assert.equal(scoped.status, 0, scoped.stderr);
      assert.match(scoped.stderr, /scopes: purchases:write\./);
      const unknownScope = desk([
        'token',
        'create',
        '--email',
        'ops@example.com',
        '--scope',
        'purchases:delete',
      ]);
      assert.equal(unknownScope.status, 2);
      assert.match(
        unknownScope.stderr,
        /--scope: Unknown scope "purchases:delete": the scopes are purchases:write/,
      );

      const { openDb } = await import('../src/db/db.ts');
      const db = await openDb({ dataDir: dir });
      try {
        const [token] = await db.query<{ created_by: number | null; created_via: string; days: number }>(
          `SELECT created_by, created_via, round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days, scopes
             FROM api_tokens WHERE label = 'cron'`,
        );
        assert.deepEqual(token, { created_by: null, created_via: 'cli', days: 30, scopes: [] });
        const [shop] = await db.query<{ scopes: string[] }>(
          `SELECT scopes FROM api_tokens WHERE label = 'shop'`,
        );
        assert.deepEqual(shop?.scopes, ['purchases:write']);
        const events = await db.query<{ actor: string; action: string; address: string | null }>(
          'SELECT actor, action, address FROM audit_events ORDER BY id',
        );
        assert.deepEqual(events, [
          { actor: 'cli', action: 'user_added', address: null },
          { actor: 'cli', action: 'token_created', address: null },
          { actor: 'cli', action: 'token_created', address: null },
        ]);
      } finally {
        await db.close();
      }
    } finally {
      remove();
    }
  });
});

describe('finding 13: the audit of administration', () => {
  it('finding 13: when users are added, disabled, enabled and given another role, and tokens are made and revoked, then each is an audit event with who, when and from which address', async () => {
    const start = await lastAuditId();
    const email = `audited.${Date.now()}@desk.test`;
    await post(admin, '/desk/admin/users', {
      email,
      role: 'technician',
      password: 'a long enough password',
    }).expect(303);
    const [added] = await desk.base.db.query<{ id: number }>('SELECT id FROM users WHERE email = $1', [
      email,
    ]);
    const id = Number(added!.id);
    // What the console already did before the audit existed comes first.
    await post(admin, `/desk/admin/users/${id}/disable`).expect(303);
    await post(admin, `/desk/admin/users/${id}/enable`).expect(303);
    assert.deepEqual(
      (await auditSince(start)).map((e) => [e.action, e.actor, e.subject]),
      [
        ['user_added', admin.user.email, email],
        ['user_disabled', admin.user.email, email],
        ['user_enabled', admin.user.email, email],
      ],
    );
    await post(admin, `/desk/admin/users/${id}/role`, { role: 'supervisor' }).expect(303);
    const them = await signIn(desk.app, email, 'a long enough password');
    await myToken(them, { label: 'audited laptop' });
    const tokenId = Number((await tokenRow('audited laptop'))!.id);
    await post(them, `/desk/tokens/${tokenId}/revoke`).expect(303);
    await myToken(them, { label: 'audited phone' });
    const phoneId = Number((await tokenRow('audited phone'))!.id);
    await post(admin, `/desk/admin/tokens/${phoneId}/revoke`).expect(303);
    await myToken(them, { label: 'audited tablet' });
    await post(admin, `/desk/admin/users/${id}/disable`).expect(303);
    await post(admin, `/desk/admin/users/${id}/enable`).expect(303);

    const events = await auditSince(start);
    assert.deepEqual(
      events.map((e) => [e.action, e.actor]),
      [
        ['user_added', admin.user.email],
        ['user_disabled', admin.user.email],
        ['user_enabled', admin.user.email],
        ['user_role_changed', admin.user.email],
        ['token_created', email],
        ['token_revoked', email],
        ['token_created', email],
        ['token_revoked', admin.user.email],
        ['token_created', email],
        ['user_disabled', admin.user.email],
        ['token_revoked', admin.user.email],
        ['user_enabled', admin.user.email],
      ],
    );
    for (const e of events) {
      assert.match(e.address ?? '', /127\.0\.0\.1|::1/, `${e.action} from the client's address`);
      assert.ok(Date.now() - new Date(e.at).getTime() < 120_000, 'when');
    }
    assert.ok(
      events.every((e) => e.subject?.includes(email)),
      'each names the user it was done to',
    );
    assert.match(events[7]!.subject!, /audited phone/);
  });

  it('finding 13: when an admin changes their own role, then 409 and nothing changes', async () => {
    const res = await post(admin, `/desk/admin/users/${admin.user.id}/role`, { role: 'technician' });
    assert.equal(res.status, 409);
    assert.match(res.text, /You cannot change your own role/);
    const [row] = await desk.base.db.query<{ role: string }>('SELECT role FROM users WHERE id = $1', [
      admin.user.id,
    ]);
    assert.equal(row!.role, 'admin');
  });

  it('finding 13: when an admin opens the audit page, then it reads as sentences, newest first, pages with an “Older” link, and fits a phone', async () => {
    const tech = await createUserWithToken(desk.base.db, 'technician');
    await post(admin, `/desk/admin/users/${tech.user.id}/disable`).expect(303);
    const home = await admin.agent.get('/desk/admin').expect(200);
    assert.match(home.text, /href="\/desk\/admin\/audit"/);
    const page = await admin.agent.get('/desk/admin/audit').expect(200);
    assert.match(page.text, /<meta name="viewport" content="width=device-width/);
    const first = page.text.indexOf(`${admin.user.email} disabled ${tech.user.email}.`);
    const revoked = page.text.indexOf(
      `${admin.user.email} revoked token ${tech.tokenId} “test” of ${tech.user.email} (its user was disabled).`,
    );
    assert.ok(first > 0 && revoked > 0, 'both as sentences');
    assert.ok(revoked < first, 'newest first');

    // More than a page of events (50): older ones written straight to the table.
    await desk.base.db.query(
      `INSERT INTO audit_events (actor, action, subject, address)
       SELECT 'cli', 'user_enabled', 'filler.' || g || '@desk.test', NULL FROM generate_series(1, 60) g`,
    );
    const newest = await admin.agent.get('/desk/admin/audit').expect(200);
    const older = /href="\/desk\/admin\/audit\?cursor=([\w-]+)"/.exec(newest.text)?.[1];
    assert.ok(older, 'an “Older” link');
    const next = await admin.agent.get(`/desk/admin/audit?cursor=${older}`).expect(200);
    assert.match(next.text, /Newest/);
    await admin.agent.get('/desk/admin/audit?cursor=not-a-cursor').expect(422);
  });

  it(
    'finding 13: when an admin reads the audit page on a 390 px wide phone, then nothing is wider than the screen',
    { skip: skipWithoutChromium },
    async () => {
      const server = await serve(desk);
      const browser = await openBrowser();
      try {
        await browser.page.setViewportSize({ width: 390, height: 844 });
        await signInThroughForm(browser.page, server.url, admin.user.email, admin.password);
        await browser.page.goto(`${server.url}/desk/admin/audit`);
        await browser.page.getByRole('heading', { name: 'Audit' }).waitFor();
        const width = await browser.page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `the page is ${width} px wide`);
        await screenshot(browser.page, 'admin-audit-390');
      } finally {
        await browser.close();
        await server.close();
      }
    },
  );

  it('finding 13: when an admin’s API token reads GET /api/v1/audit, then JSON events newest first with next_cursor; a bad cursor is 422; a supervisor’s token is 403', async () => {
    const tech = await createUserWithToken(desk.base.db, 'technician');
    await post(admin, `/desk/admin/users/${tech.user.id}/role`, { role: 'supervisor' }).expect(303);
    const get = (token: string, cursor?: string) =>
      request(desk.app)
        .get('/api/v1/audit')
        .query(cursor === undefined ? {} : { cursor })
        .set('Authorization', `Bearer ${token}`);

    const res = await get(admin.token).expect(200);
    const body = res.body as {
      events: {
        id: number;
        action: string;
        actor: string;
        subject: string;
        address: string;
        at: string;
        text: string;
      }[];
      next_cursor: string | null;
    };
    assert.equal(body.events[0]!.action, 'user_role_changed');
    assert.equal(body.events[0]!.actor, admin.user.email);
    assert.equal(body.events[0]!.subject, tech.user.email);
    assert.match(body.events[0]!.address, /127\.0\.0\.1|::1/);
    assert.match(body.events[0]!.text, /changed the role of .* from technician to supervisor\./);
    const ids = body.events.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
      'newest first',
    );
    if (body.next_cursor) {
      const older = await get(admin.token, body.next_cursor).expect(200);
      assert.ok((older.body as typeof body).events.every((e) => e.id < ids.at(-1)!));
    }

    for (const cursor of [
      'garbage',
      Buffer.from('["1",1]').toString('base64url'),
      Buffer.from('0').toString('base64url'),
      'x'.repeat(500),
    ]) {
      const bad = await get(admin.token, cursor);
      assert.equal(bad.status, 422, cursor);
      assert.equal(bad.body.error, 'invalid_cursor');
    }
    const supervisor = await createUserWithToken(desk.base.db, 'supervisor');
    await get(supervisor.token).expect(403);
    await request(desk.app).get('/api/v1/audit').expect(401);
  });
});
