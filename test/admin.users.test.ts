import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { authenticateToken } from '../src/auth/tokens.service.ts';
import { QUEUE_NAMES } from '../src/queues.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { signIn, signInAs, type SignedIn, postForm } from './helpers/session.ts';
import { createUserWithToken } from './helpers/users.ts';

let desk: TestDesk;
let admin: SignedIn & Awaited<ReturnType<typeof createUserWithToken>>;
before(async () => {
  desk = await startDesk({ workers: false });
  admin = await signInAs(desk.app, desk.base.db, 'admin');
});
after(() => desk.stop());

const post = postForm;

async function userRow(email: string) {
  const [row] = await desk.base.db.query<{ id: number; role: string; disabled_at: Date | null }>(
    'SELECT id, role, disabled_at FROM users WHERE lower(email) = lower($1)',
    [email],
  );
  return row;
}

async function userCount(): Promise<number> {
  const [row] = await desk.base.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  return row!.n;
}

describe('who may use the admin pages', () => {
  it('when anonymous, then admin pages redirect to sign-in and come back after', async () => {
    for (const path of ['/desk/admin', '/desk/admin/users', '/desk/admin/queues']) {
      const res = await request(desk.app).get(path).expect(303);
      assert.equal(res.headers.location, `/desk/sign-in?next=${encodeURIComponent(path)}`);
    }
  });

  for (const role of ['technician', 'supervisor'] as const) {
    it(`when a ${role} opens or posts to them, then 403 and nothing changes`, async () => {
      const someone = await signInAs(desk.app, desk.base.db, role);
      for (const path of [
        '/desk/admin',
        '/desk/admin/users',
        '/desk/admin/queues',
        '/desk/admin/queues/api/queues',
      ]) {
        const res = await someone.agent.get(path);
        assert.equal(res.status, 403, path);
      }
      const before = await userCount();
      const res = await post(someone, '/desk/admin/users', {
        email: `by.${role}@desk.test`,
        role: 'admin',
        password: 'a long enough password',
      });
      assert.equal(res.status, 403);
      assert.match(res.text, /This page is for admin users; you are signed in as a/);
      await post(someone, `/desk/admin/users/${admin.user.id}/disable`).expect(403);
      assert.equal(await userCount(), before);
      assert.equal((await userRow(admin.user.email))!.disabled_at, null);
      const home = await someone.agent.get('/desk').expect(200);
      assert.doesNotMatch(home.text, /href="\/desk\/admin"/, 'no Admin link for them');
    });
  }

  it('when an admin signs in, then the console shows the Admin link and the admin page links users and queues', async () => {
    const home = await admin.agent.get('/desk').expect(200);
    assert.match(home.text, /href="\/desk\/admin"/);
    const page = await admin.agent.get('/desk/admin').expect(200);
    assert.match(page.text, /href="\/desk\/admin\/users"/);
    assert.match(page.text, /href="\/desk\/admin\/queues"/);
  });
});

describe('managing users', () => {
  it('when an admin adds a user through the form, then they are listed and can sign in', async () => {
    const email = 'new.tech@desk.test';
    const res = await post(admin, '/desk/admin/users', {
      email,
      role: 'supervisor',
      password: 'a long enough password',
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/desk/admin/users');
    const page = await admin.agent.get('/desk/admin/users').expect(200);
    assert.match(page.text, /Added supervisor new\.tech@desk\.test\./);
    assert.ok(page.text.includes(email));
    assert.equal((await userRow(email))!.role, 'supervisor');
    await signIn(desk.app, email, 'a long enough password');
  });

  const bad: [string, Record<string, string>, number, RegExp][] = [
    [
      'the email is not an address',
      { email: 'not-an-address', role: 'technician' },
      422,
      /The email address is not valid\./,
    ],
    ['the email is missing', { role: 'technician' }, 422, /The email address is missing\./],
    [
      'the role is unknown',
      { email: 'bad.role@desk.test', role: 'boss' },
      422,
      /The role must be one of: technician, supervisor, admin\./,
    ],
    [
      'the password is short',
      { email: 'bad.pw@desk.test', role: 'technician', password: 'short' },
      422,
      /at least 12 characters/,
    ],
  ];
  for (const [label, fields, status, message] of bad) {
    it(`when ${label}, then ${status} with a clear message, what was typed kept, and nothing added`, async () => {
      const before = await userCount();
      const res = await post(admin, '/desk/admin/users', { password: 'a long enough password', ...fields });
      assert.equal(res.status, status);
      assert.match(res.text, /Nothing was changed/);
      assert.match(res.text, message);
      if (fields.email) assert.ok(res.text.includes(`value="${fields.email}"`), 'the email typed is kept');
      assert.doesNotMatch(res.text, /a long enough password/, 'the password is not echoed');
      assert.equal(await userCount(), before);
    });
  }

  it('when the address is taken (in any case), then 409 with a clear message and nothing added', async () => {
    const before = await userCount();
    const res = await post(admin, '/desk/admin/users', {
      email: admin.user.email.toUpperCase(),
      role: 'technician',
      password: 'a long enough password',
    });
    assert.equal(res.status, 409);
    assert.match(res.text, /already exists/);
    assert.equal(await userCount(), before);
  });

  it('when an admin disables a signed-in user, then they lose access at once and cannot sign in; enabled, they can again', async () => {
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    await post(admin, `/desk/admin/users/${tech.user.id}/disable`).expect(303);
    assert.ok((await userRow(tech.user.email))!.disabled_at);
    await tech.agent.get('/desk').expect(303);
    assert.equal(
      await authenticateToken(desk.base.db, tech.token),
      null,
      'their API tokens stop working too',
    );
    const page = await admin.agent.get('/desk/admin/users').expect(200);
    assert.ok(page.text.includes(`Disabled ${tech.user.email}.`));

    await post(admin, `/desk/admin/users/${tech.user.id}/enable`).expect(303);
    assert.equal((await userRow(tech.user.email))!.disabled_at, null);
    await signIn(desk.app, tech.user.email, tech.password);
  });

  it('when an admin tries to disable themselves, then 409 with a clear message and they stay enabled', async () => {
    const res = await post(admin, `/desk/admin/users/${admin.user.id}/disable`);
    assert.equal(res.status, 409);
    assert.match(res.text, /You cannot disable your own account/);
    assert.equal((await userRow(admin.user.email))!.disabled_at, null);
  });

  it('when the user id is unknown or not a number, then 404 and nothing changes', async () => {
    await post(admin, '/desk/admin/users/999999/disable').expect(404);
    await post(admin, '/desk/admin/users/abc/disable').expect(404);
  });
});

describe('managing API tokens', () => {
  it('when an admin opens the users page, then each token is listed with its creator, label, expiry and last use, never its value', async () => {
    const { user, token } = await createUserWithToken(desk.base.db, 'technician');
    const page = await admin.agent.get('/desk/admin/users').expect(200);
    const row = page.text.slice(page.text.indexOf(user.email));
    assert.match(row, new RegExp(`<td>test</td><td>${user.email.replace(/\./g, '\\.')}</td>`));
    assert.match(
      row,
      /<td><time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">in 3 months<\/time><\/td><td>never<\/td>/,
      'expiry, then last used',
    );
    assert.ok(!page.text.includes(token), 'the list never shows a token');
    assert.doesNotMatch(page.text, /Create token/, 'admins create no tokens for others');
  });

  it('when an admin revokes a token, then it stops working and the list says so; the user’s other tokens still work', async () => {
    const { user, token, tokenId, password } = await createUserWithToken(desk.base.db);
    const other = await signIn(desk.app, user.email, password);
    const second = await post(other, '/desk/tokens', { label: 'second' }).expect(201);
    const otherToken = /(rdt_[\w-]{43})/.exec(second.text)![1]!;
    await post(admin, `/desk/admin/tokens/${tokenId}/revoke`).expect(303);
    assert.equal(await authenticateToken(desk.base.db, token), null);
    assert.equal((await authenticateToken(desk.base.db, otherToken))?.id, user.id);
    const page = await admin.agent.get('/desk/admin/users').expect(200);
    assert.match(page.text, /Revoked the API token “test” of /);
    assert.match(page.text, /Revoked \d{4}-\d\d-\d\d \d\d:\d\d UTC by an admin \(/);
  });

  it('when the token id is unknown, then 404 and nothing changes', async () => {
    await post(admin, '/desk/admin/tokens/999999/revoke').expect(404);
  });
});

describe('the queues dashboard (Bull Board)', () => {
  it('when an admin opens it, then it lists the desk’s queues', async () => {
    const page = await admin.agent.get('/desk/admin/queues').expect(200);
    assert.match(page.text, /<base href="\/desk\/admin\/queues\/?"/);
    const api = await admin.agent.get('/desk/admin/queues/api/queues').expect(200);
    const names = (api.body as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    // Every queue a job of JOBS runs on, each once.
    assert.deepEqual(names, [...QUEUE_NAMES].sort());
    assert.ok(names.includes('email') && names.includes('match'));
  });

  it('when a change comes without the desk’s own origin, then 403 and the queue is untouched', async () => {
    const queue = desk.web.queues.get('match');
    await admin.agent.put('/desk/admin/queues/api/queues/match/pause').expect(403);
    await admin.agent
      .put('/desk/admin/queues/api/queues/match/pause')
      .set('Origin', 'https://evil.example')
      .expect(403);
    assert.equal(await queue.isPaused(), false);
  });

  it('when the change comes from the board itself, then it acts', async () => {
    const queue = desk.web.queues.get('match');
    const put = (path: string) => admin.agent.put(path).set('Host', 'desk.test');
    const pause = await put('/desk/admin/queues/api/queues/match/pause').set('Sec-Fetch-Site', 'same-origin');
    assert.equal(pause.status, 403, 'Sec-Fetch-Site alone is not enough without Origin');
    await put('/desk/admin/queues/api/queues/match/pause')
      .set('Origin', 'http://desk.test')
      .set('Sec-Fetch-Site', 'cross-site')
      .expect(403);
    assert.equal(await queue.isPaused(), false);
    await put('/desk/admin/queues/api/queues/match/pause').set('Origin', 'http://desk.test').expect(200);
    assert.equal(await queue.isPaused(), true);
    await put('/desk/admin/queues/api/queues/match/resume').set('Origin', 'http://desk.test').expect(200);
    assert.equal(await queue.isPaused(), false);
  });
});
