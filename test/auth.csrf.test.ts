import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { csrfFrom, signInAs } from './helpers/session.ts';
import { createUserWithToken } from './helpers/users.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ workers: false });
});
after(() => desk.stop());

async function userCount(email: string): Promise<number> {
  const [row] = await desk.base.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)',
    [email],
  );
  return row!.n;
}

const newUser = (email: string) => ({ email, role: 'technician', password: 'a long enough password' });

describe('CSRF protection of console forms', () => {
  it('when a form is posted without a token, with a wrong one or with another session’s, then 403 and nothing changes', async () => {
    const admin = await signInAs(desk.app, desk.base.db, 'admin');
    const other = await signInAs(desk.app, desk.base.db, 'admin');
    const email = 'csrf.victim@desk.test';
    const attempts: [string, Record<string, string>][] = [
      ['no token', {}],
      ['an empty token', { _csrf: '' }],
      ['a wrong token', { _csrf: 'x'.repeat(43) }],
      ['another session’s token', { _csrf: other.csrfToken }],
    ];
    for (const [label, token] of attempts) {
      const res = await admin.agent
        .post('/desk/admin/users')
        .type('form')
        .send({ ...newUser(email), ...token });
      assert.equal(res.status, 403, label);
      assert.match(res.text, /This form has expired or did not come from the desk/, label);
    }
    assert.equal(await userCount(email), 0, 'no user was added');
  });

  it('when the right token comes in the _csrf field or the X-CSRF-Token header, then the form works', async () => {
    const admin = await signInAs(desk.app, desk.base.db, 'admin');
    await admin.agent
      .post('/desk/admin/users')
      .type('form')
      .send({ ...newUser('csrf.field@desk.test'), _csrf: admin.csrfToken })
      .expect(303);
    await admin.agent
      .post('/desk/admin/users')
      .type('form')
      .set('X-CSRF-Token', admin.csrfToken)
      .send(newUser('csrf.header@desk.test'))
      .expect(303);
    assert.equal(await userCount('csrf.field@desk.test'), 1);
    assert.equal(await userCount('csrf.header@desk.test'), 1);
  });

  it('when sign-out is posted without the token, then 403 and the user stays signed in', async () => {
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    await tech.agent.post('/desk/sign-out').type('form').send({}).expect(403);
    await tech.agent.get('/desk').expect(200);
  });

  it('when the sign-in form is posted without its token, then 403 and no one is signed in (login CSRF)', async () => {
    const { user, password } = await createUserWithToken(desk.base.db);
    const agent = request.agent(desk.app);
    const res = await agent.post('/desk/sign-in').type('form').send({ email: user.email, password });
    assert.equal(res.status, 403);
    await agent.get('/desk').expect(303);
  });

  it('when a page is rendered, then its forms carry the session’s token and it stays the same across pages', async () => {
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const page = await tech.agent.get('/desk').expect(200);
    assert.equal(csrfFrom(page.text), tech.csrfToken);
    assert.match(page.text, /<form method="post" action="\/desk\/sign-out"/);
  });

  it('when anonymous requests post to the console, then 401 whatever the token', async () => {
    await request(desk.app)
      .post('/desk/admin/users')
      .type('form')
      .send(newUser('anon@desk.test'))
      .expect(401);
    assert.equal(await userCount('anon@desk.test'), 0);
  });

  it('when the bearer-token API is used, then no CSRF token is asked for', async () => {
    const { token } = await createUserWithToken(desk.base.db);
    const res = await request(desk.app)
      .get('/api/v1/tickets/RD-00000000')
      .set('Authorization', `Bearer ${token}`);
    assert.notEqual(res.status, 403);
    assert.notEqual(res.status, 401);
  });
});
