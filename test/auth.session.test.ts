import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Express } from 'express';
import request from 'supertest';
import { createSignInLimits, type SignInLimitOptions } from '../src/limits/sign-in-limits.ts';
import { disableUser } from '../src/auth/users.service.ts';
import { createApp } from '../src/http/app.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { csrfFrom, signIn, signInAs, type Agent } from './helpers/session.ts';
import { createUserWithToken } from './helpers/users.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ workers: false });
});
after(() => desk.stop());

let apps = 0;
/** The desk's app with sign-in limits of the test's own (and its own Redis keys). */
function appWithLimits(limits: Partial<SignInLimitOptions>): Express {
  return createApp({ ...desk.web, signInLimits: ownLimits(limits) });
}

function ownLimits(limits: Partial<SignInLimitOptions>) {
  return createSignInLimits(desk.web.redis, {
    prefix: `${desk.web.queues.prefix}:limits${++apps}`,
    windowSeconds: 60,
    pauseSeconds: 600,
    pair: { slowAfter: 100, pauseAfter: 3 },
    address: { slowAfter: 100, pauseAfter: 100 },
    account: { slowAfter: 100 },
    slowDownMs: 0,
    maxDelayMs: 0,
    ...limits,
  });
}

/** Opens the sign-in form and posts it; the agent keeps whatever session that makes. */
async function postSignIn(agent: Agent, fields: Record<string, string>, via?: { forwardedFor?: string }) {
  const form = await agent.get('/desk/sign-in').expect(200);
  const post = agent.post('/desk/sign-in').type('form');
  if (via?.forwardedFor) post.set('X-Forwarded-For', via.forwardedFor);
  return post.send({ _csrf: csrfFrom(form.text), ...fields });
}

function sessionCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('rd.sid='));
}

function sessionId(cookie: string): string {
  const value = decodeURIComponent(/^rd\.sid=([^;]+)/.exec(cookie)![1]!);
  return value.slice(2, value.lastIndexOf('.')); // s:<id>.<signature>
}

const sessionKey = (sid: string) => `${desk.web.queues.prefix}:sess:${sid}`;

describe('signing in', () => {
  it('when the password is right, then a new session is started with a hardened cookie and the console greets the user', async () => {
    const { user, password } = await createUserWithToken(desk.base.db, 'technician');
    const agent = request.agent(desk.app);
    const form = await agent.get('/desk/sign-in').expect(200);
    const before = sessionCookie(form);
    assert.ok(before, 'the sign-in form starts an anonymous session for its CSRF token');

    const res = await agent
      .post('/desk/sign-in')
      .type('form')
      .send({ email: user.email.toUpperCase(), password, _csrf: csrfFrom(form.text) })
      .expect(303);
    assert.equal(res.headers.location, '/desk');
    const cookie = sessionCookie(res);
    assert.ok(cookie, 'a session cookie is set');
    assert.match(cookie, /; HttpOnly/i);
    assert.match(cookie, /; SameSite=Lax/i);
    assert.match(cookie, /; Path=\/desk/i);
    assert.doesNotMatch(cookie, /; Secure/i, 'not Secure while PUBLIC_URL is http');

    assert.notEqual(sessionId(cookie), sessionId(before), 'the session id changes at sign-in');
    assert.equal(await desk.web.redis.exists(sessionKey(sessionId(before))), 0, 'the old session is gone');
    const stored = JSON.parse((await desk.web.redis.get(sessionKey(sessionId(cookie))))!) as {
      userId: number;
    };
    assert.equal(stored.userId, user.id, 'the session lives in Redis');

    const home = await agent.get('/desk').expect(200);
    assert.match(home.text, /<h1>Queue<\/h1>/);
    assert.ok(home.text.includes(`Signed in as <strong>${user.email}</strong>`));
    assert.match(home.headers['cache-control'] ?? '', /no-store/);
  });

  it('when an id was planted before sign-in, then it is not signed in afterwards', async () => {
    const { user, password } = await createUserWithToken(desk.base.db);
    const agent = request.agent(desk.app);
    const form = await agent.get('/desk/sign-in').expect(200);
    const planted = /^rd\.sid=[^;]+/.exec(sessionCookie(form)!)![0];
    await agent
      .post('/desk/sign-in')
      .type('form')
      .send({ email: user.email, password, _csrf: csrfFrom(form.text) })
      .expect(303);
    await agent.get('/desk').expect(200);
    const res = await request(desk.app).get('/desk').set('Cookie', planted).expect(303);
    assert.match(res.headers.location!, /^\/desk\/sign-in/);
  });

  it('when PUBLIC_URL is https, then the cookie is also Secure', async () => {
    const app = createApp({ ...desk.web, config: { ...desk.web.config, publicUrl: 'https://desk.example' } });
    const res = await request(app).get('/desk/sign-in').set('X-Forwarded-Proto', 'https').expect(200);
    assert.match(sessionCookie(res)!, /; Secure/i);
  });

  it('when X-Forwarded-Proto comes from a hop TRUST_PROXY does not name, then it is not believed: no Secure cookie is set over plain http', async () => {
    const config = { ...desk.web.config, publicUrl: 'https://desk.example', trustProxy: 0 };
    const res = await request(createApp({ ...desk.web, config }))
      .get('/desk/sign-in')
      .set('X-Forwarded-Proto', 'https')
      .expect(200);
    assert.equal(sessionCookie(res), undefined, 'no cookie: the connection is not https');
  });

  it('when the password is wrong or the account unknown, then the same message is shown and no one is signed in', async () => {
    const { user } = await createUserWithToken(desk.base.db);
    const app = appWithLimits({});
    const wrong = await postSignIn(request.agent(app), { email: user.email, password: 'not the password' });
    const unknown = await postSignIn(request.agent(app), {
      email: 'nobody@desk.test',
      password: 'not the password',
    });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.match(res.text, /The email address or the password is not correct\./);
    }
    assert.ok(wrong.text.includes(`value="${user.email}"`), 'the address typed is kept');
    assert.doesNotMatch(wrong.text, /not the password/, 'the password is not echoed');
  });

  it('when a field is empty, then a clear message and no attempt is counted', async () => {
    const res = await postSignIn(request.agent(desk.app), { email: '', password: '' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Enter your email address and your password\./);
  });

  it('when a next address is given, then sign-in returns there, but never off the console', async () => {
    const { user, password } = await createUserWithToken(desk.base.db);
    const anonymous = await request(desk.app).get('/desk?view=mine').expect(303);
    assert.equal(anonymous.headers.location, '/desk/sign-in?next=%2Fdesk%3Fview%3Dmine');
    const ok = await postSignIn(request.agent(desk.app), {
      email: user.email,
      password,
      next: '/desk?view=mine',
    });
    assert.equal(ok.headers.location, '/desk?view=mine');
    for (const next of ['//evil.example/desk', 'https://evil.example/', '/desk\\@evil', '/deskevil']) {
      const res = await postSignIn(request.agent(desk.app), { email: user.email, password, next });
      assert.equal(res.headers.location, '/desk', next);
    }
  });
});

describe('slow-down and pauses', () => {
  it('when one account fails too often from one address, then that pair is paused, even for the right password, and nothing else is', async () => {
    const { user, password } = await createUserWithToken(desk.base.db);
    const app = appWithLimits({ pair: { slowAfter: 100, pauseAfter: 3 } });
    const from = { forwardedFor: '203.0.113.20' };
    for (let i = 1; i <= 2; i++) {
      const res = await postSignIn(request.agent(app), { email: user.email, password: `wrong ${i}` }, from);
      assert.equal(res.status, 401);
    }
    const third = await postSignIn(request.agent(app), { email: user.email, password: 'wrong 3' }, from);
    assert.equal(third.status, 429);
    assert.equal(third.headers['retry-after'], '600');
    assert.match(
      third.text,
      /Too many failed sign-ins for this account or from your network\..*try again in 10 minutes/s,
    );
    const agent = request.agent(app);
    const right = await postSignIn(agent, { email: user.email, password }, from);
    assert.equal(right.status, 429, 'the right password does not open a paused pair');
    await agent.get('/desk').expect(303);

    const elsewhere = { forwardedFor: '198.51.100.20' };
    const owner = await postSignIn(request.agent(app), { email: user.email, password }, elsewhere);
    assert.equal(owner.status, 303, 'the account is not locked for other addresses');
    const other = await createUserWithToken(desk.base.db);
    await postSignIn(request.agent(app), { email: other.user.email, password: other.password }, from).then(
      (r) => assert.equal(r.status, 303, 'other accounts are not paused from that address'),
    );
  });

  it('when an unknown account fails too often, then it is paused with the same message (no oracle)', async () => {
    const app = appWithLimits({ pair: { slowAfter: 100, pauseAfter: 2 } });
    await postSignIn(request.agent(app), { email: 'ghost@desk.test', password: 'guess one' });
    const res = await postSignIn(request.agent(app), { email: 'ghost@desk.test', password: 'guess two' });
    assert.equal(res.status, 429);
    assert.match(res.text, /Too many failed sign-ins for this account or from your network/);
  });

  it('when one address fails across many accounts, then that address is paused', async () => {
    const { user, password } = await createUserWithToken(desk.base.db);
    const app = appWithLimits({ address: { slowAfter: 100, pauseAfter: 3 } });
    const from = { forwardedFor: '203.0.113.9' };
    for (let i = 1; i <= 3; i++)
      await postSignIn(request.agent(app), { email: `spray${i}@desk.test`, password: 'x' }, from);
    const res = await postSignIn(request.agent(app), { email: user.email, password }, from);
    assert.equal(res.status, 429);
    const elsewhere = await postSignIn(
      request.agent(app),
      { email: user.email, password },
      { forwardedFor: '203.0.113.10' },
    );
    assert.equal(elsewhere.status, 303, 'other addresses may still sign in');
  });

  it('when failures pass the slow-down threshold, then each answer is held back a little longer', async () => {
    const limits = ownLimits({
      pair: { slowAfter: 2, pauseAfter: 10 },
      slowDownMs: 1000,
      maxDelayMs: 3000,
    });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = await limits.begin('slow@desk.test', '192.0.2.1');
      assert.equal(start.paused, false);
      if (start.paused) return;
      delays.push(start.delayMs);
      await limits.failed(start.attempt);
    }
    assert.deepEqual(
      delays,
      [0, 0, 1000, 2000, 3000, 3000],
      'none for 2, then a second more each, at most 3',
    );

    // End to end, a lower bound only: a loaded machine can make any answer slower.
    const app = appWithLimits({
      pair: { slowAfter: 1, pauseAfter: 10 },
      slowDownMs: 400,
      maxDelayMs: 400,
    });
    await postSignIn(request.agent(app), { email: 'slower@desk.test', password: 'first' });
    const started = Date.now();
    await postSignIn(request.agent(app), { email: 'slower@desk.test', password: 'second' });
    assert.ok(Date.now() - started >= 400, 'the second failure was held back');
  });

  it('when an account fails from many addresses, then its answers are slowed up to the cap but never paused', async () => {
    const limits = ownLimits({ account: { slowAfter: 2 }, slowDownMs: 1000, maxDelayMs: 2500 });
    const delays: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const start = await limits.begin('target@desk.test', `192.0.2.${i}`);
      assert.equal(start.paused, false, `attempt ${i} is not refused`);
      if (start.paused) return;
      delays.push(start.delayMs);
      await limits.failed(start.attempt);
    }
    assert.deepEqual(delays, [0, 0, 1000, 2000, 2500, 2500, 2500, 2500]);
    const owner = await limits.begin('target@desk.test', '198.51.100.1');
    assert.equal(owner.paused, false, 'the owner’s address may still try');
  });

  it('when guesses for one pair arrive all at once, then no more than its limit go ahead', async () => {
    const limits = ownLimits({ pair: { slowAfter: 100, pauseAfter: 3 } });
    const starts = await Promise.all(
      Array.from({ length: 12 }, () => limits.begin('burst@desk.test', '192.0.2.50')),
    );
    assert.equal(starts.filter((s) => !s.paused).length, 3);
  });
});

describe('disabled users and signing out', () => {
  it('when the user is disabled, then they cannot sign in', async () => {
    const { user, password } = await createUserWithToken(desk.base.db);
    await disableUser(desk.base.db, user.id, { actor: 'cli', address: null });
    const res = await postSignIn(request.agent(desk.app), { email: user.email, password });
    assert.equal(res.status, 403);
    assert.match(res.text, /This account is disabled/);
  });

  it('when a signed-in user is disabled, then their next request is refused', async () => {
    const { agent, csrfToken, user } = await signInAs(desk.app, desk.base.db, 'supervisor');
    await disableUser(desk.base.db, user.id, { actor: 'cli', address: null });
    const page = await agent.get('/desk').expect(303);
    assert.match(page.headers.location!, /^\/desk\/sign-in/);
    await agent.post('/desk/sign-out').type('form').send({ _csrf: csrfToken }).expect(401);
  });

  it('when the user signs out, then the session is deleted and its cookie no longer works', async () => {
    const { user, password } = await createUserWithToken(desk.base.db);
    const { agent, csrfToken } = await signIn(desk.app, user.email, password);
    const home = await agent.get('/desk').expect(200);
    const cookie = /^rd\.sid=[^;]+/.exec(sessionCookie(home)!)![0];
    assert.equal(await desk.web.redis.exists(sessionKey(sessionId(cookie))), 1);

    const out = await agent.post('/desk/sign-out').type('form').send({ _csrf: csrfToken }).expect(303);
    assert.equal(out.headers.location, '/desk/sign-in');
    assert.match(sessionCookie(out)!, /Expires=Thu, 01 Jan 1970/);
    assert.equal(await desk.web.redis.exists(sessionKey(sessionId(cookie))), 0, 'deleted from Redis');
    await request(desk.app).get('/desk').set('Cookie', cookie).expect(303);
  });

  it('when anonymous, then pages redirect to sign-in and other requests get 401; customer pages and the API set no cookie', async () => {
    const page = await request(desk.app).get('/desk').set('Accept', 'text/html').expect(303);
    assert.equal(page.headers.location, '/desk/sign-in?next=%2Fdesk');
    await request(desk.app).get('/desk').set('Accept', 'application/json').expect(401);
    const recover = await request(desk.app).get('/recover').expect(200);
    assert.equal(sessionCookie(recover), undefined);
    const api = await request(desk.app).get('/api/v1/tickets/RD-00000000');
    assert.equal(sessionCookie(api), undefined);
  });
});
