import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { notify } from '../src/notifications/notifications.service.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
import type { TestUser } from './helpers/users.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ workers: false, env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
});
after(() => desk.stop());

type Someone = SignedIn & TestUser;
const technician = () => signInAs(desk.app, desk.base.db, 'technician');

/** A request of its own, filed through the API. */
async function newRequest(): Promise<{ id: number; reference: string }> {
  const res = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
  const reference = res.body.reference as string;
  const [row] = await desk.base.db.query<{ id: number }>(
    'SELECT id FROM recovery_requests WHERE reference = $1',
    [reference],
  );
  return { id: row!.id, reference };
}

/** `who` is told a colleague took over a request (a new one unless given); its reference. */
async function tellTakenOver(who: Someone, cause?: string, given?: { id: number; reference: string }) {
  const req = given ?? (await newRequest());
  await desk.base.db.transaction((tx) =>
    notify(tx, desk.base.config, {
      kind: 'taken_over',
      to: { userIds: [who.user.id] },
      actorId: null,
      request: req,
      data: { by: 'theo@desk.test' },
      cause,
    }),
  );
  return req.reference;
}

const bellOf = (html: string) => /<a class="bell"[^>]*>[\s\S]*?<\/a>/.exec(html)?.[0] ?? '';
const unreadOnBell = (html: string) => /data-unread="(\d+)"/.exec(bellOf(html))?.[1];
/** The references of an API answer's notifications, in order. */
const referencesIn = (body: unknown) =>
  (body as { notifications: { reference: string }[] }).notifications.map((n) => n.reference);

const items = (html: string) => [
  ...html.matchAll(/<li( class="unread")?>\s*<a href="\/desk\/notifications\/(\d+)">([\s\S]*?)<\/a>/g),
];

describe('the bell', () => {
  it('when a user has no unread notification, then every console page has the bell without a count', async () => {
    const tess = await technician();
    for (const page of ['/desk', '/desk/tokens', '/desk/notifications']) {
      const html = (await tess.agent.get(page).expect(200)).text;
      assert.match(bellOf(html), /href="\/desk\/notifications"/, page);
      assert.equal(unreadOnBell(html), undefined, page);
    }
  });

  it('when a user has two unread notifications, then the bell on every console page says 2 unread', async () => {
    const tess = await technician();
    await tellTakenOver(tess);
    await tellTakenOver(tess);
    for (const page of ['/desk', '/desk/tokens', '/desk/notifications']) {
      const bell = bellOf((await tess.agent.get(page).expect(200)).text);
      assert.match(bell, /data-unread="2">2<span class="visually-hidden"> unread<\/span>/, page);
    }
  });
});

describe('the list', () => {
  it('when notifications arrive, then the list shows them newest first, unread marked, each linking to itself', async () => {
    const tess = await technician();
    const first = await tellTakenOver(tess);
    const second = await tellTakenOver(tess);
    const html = (await tess.agent.get('/desk/notifications').expect(200)).text;
    const listed = items(html);
    assert.equal(listed.length, 2);
    assert.ok(listed[0]![3]!.includes(`theo@desk.test took over ${second}, which you held.`));
    assert.ok(listed[1]![3]!.includes(first));
    assert.ok(
      listed.every((m) => m[1] === ' class="unread"'),
      'both unread',
    );
    assert.match(html, /2 unread\./);
  });

  it('when one is opened, then it is marked read and the request page follows; the others stay unread', async () => {
    const tess = await technician();
    const reference = await tellTakenOver(tess);
    await tellTakenOver(tess);
    const listed = items((await tess.agent.get('/desk/notifications').expect(200)).text);
    const id = listed[1]![2];
    const opened = await tess.agent.get(`/desk/notifications/${id}`).expect(303);
    assert.equal(opened.headers.location, `/desk/requests/${reference}`);
    const html = (await tess.agent.get('/desk/notifications').expect(200)).text;
    const after = items(html);
    assert.equal(after[0]![1], ' class="unread"');
    assert.equal(after[1]![1], undefined, 'the opened one is read');
    assert.equal(unreadOnBell(html), '1');
    await tess.agent.get(`/desk/notifications/${id}`).expect(303); // opening again is fine
  });

  it("when someone opens another user's notification, then 404, and it stays unread and out of their list", async () => {
    const tess = await technician();
    const theo = await technician();
    const reference = await tellTakenOver(tess);
    const id = items((await tess.agent.get('/desk/notifications').expect(200)).text)[0]![2];
    await theo.agent.get(`/desk/notifications/${id}`).expect(404);
    assert.ok(!(await theo.agent.get('/desk/notifications').expect(200)).text.includes(reference));
    assert.equal(unreadOnBell((await tess.agent.get('/desk').expect(200)).text), '1');
  });

  it('when "Mark all read" is sent without the CSRF token, then 403 and nothing changes; with it, nothing is unread', async () => {
    const tess = await technician();
    await tellTakenOver(tess);
    await tellTakenOver(tess);
    await tess.agent.post('/desk/notifications/read').type('form').send({}).expect(403);
    assert.equal(unreadOnBell((await tess.agent.get('/desk').expect(200)).text), '2');
    const done = await postForm(tess, '/desk/notifications/read').expect(303);
    assert.equal(done.headers.location, '/desk/notifications');
    const html = (await tess.agent.get('/desk/notifications').expect(200)).text;
    assert.match(html, /Marked 2 notifications read\./);
    assert.equal(unreadOnBell(html), undefined);
    assert.ok(items(html).every((m) => m[1] === undefined));
  });

  it('when there are more than a page, then "Older" leads to the rest and "Unread" keeps to unread ones', async () => {
    const tess = await technician();
    const references: string[] = [];
    for (let i = 0; i < 27; i++) references.push(await tellTakenOver(tess));
    const page1 = (await tess.agent.get('/desk/notifications').expect(200)).text;
    assert.equal(items(page1).length, 25);
    const older = /<a href="([^"]+)" rel="next">Older<\/a>/.exec(page1)?.[1]?.replaceAll('&#x3D;', '=');
    assert.ok(older, 'an Older link');
    const page2 = (await tess.agent.get(older).expect(200)).text;
    assert.equal(items(page2).length, 2);
    assert.ok(page2.includes(references[0]!) && page2.includes(references[1]!));
    assert.match(page2, /<a href="\/desk\/notifications">Newest<\/a>/);
    await tess.agent.get('/desk/notifications?cursor=nonsense').expect(422);

    await tess.agent.get(`/desk/notifications/${items(page1)[0]![2]}`).expect(303);
    const unread = (await tess.agent.get('/desk/notifications?unread=true').expect(200)).text;
    assert.equal(items(unread).length, 25);
    assert.ok(!unread.includes(`${references.at(-1)!},`), 'the opened one is not among the unread');
  });
});

describe('how one is told', () => {
  const radios = (html: string) =>
    [...html.matchAll(/name="email_(\w+)" value="(\w+)"( checked)?/g)].map(
      (m) => `${m[1]}=${m[2]}${m[3] ?? ''}`,
    );

  it('when a technician opens the page, then each kind of theirs offers console or email with its default, and no supervisor kind', async () => {
    const tess = await technician();
    const html = (await tess.agent.get('/desk/notifications').expect(200)).text;
    assert.deepEqual(radios(html), [
      'customer_replied=console',
      'customer_replied=email checked',
      'proposal_approved=console checked',
      'proposal_approved=email',
      'proposal_turned_down=console',
      'proposal_turned_down=email checked',
      'assigned=console',
      'assigned=email checked',
      'taken_over=console checked',
      'taken_over=email',
      'authority_refused=console',
      'authority_refused=email checked',
    ]);
    assert.match(
      html,
      /<form method="post" action="\/desk\/notifications\/preferences">\s*<input type="hidden" name="_csrf"/,
    );
  });

  it('when a supervisor opens the page, then approvals waiting are offered too', async () => {
    const sam = await signInAs(desk.app, desk.base.db, 'supervisor');
    const html = (await sam.agent.get('/desk/notifications').expect(200)).text;
    assert.ok(radios(html).includes('approval_waiting=email checked'));
  });

  it('when a technician saves choices, then the page shows them; a kind not theirs and a bad value change nothing', async () => {
    const tess = await technician();
    await postForm(tess, '/desk/notifications/preferences', {
      email_customer_replied: 'console',
      email_taken_over: 'email',
      email_approval_waiting: 'email',
    }).expect(303);
    const html = (await tess.agent.get('/desk/notifications').expect(200)).text;
    assert.match(html, /Saved how you are notified\./);
    const shown = radios(html);
    assert.ok(
      shown.includes('customer_replied=console checked') && shown.includes('taken_over=email checked'),
    );
    const rows = await desk.base.db.query<{ kind: string; email: boolean }>(
      'SELECT kind, email FROM notification_preferences WHERE user_id = $1 ORDER BY kind',
      [tess.user.id],
    );
    assert.deepEqual(rows, [
      { kind: 'customer_replied', email: false },
      { kind: 'taken_over', email: true },
    ]);
    await postForm(tess, '/desk/notifications/preferences', { email_assigned: 'fax' }).expect(422);
    await tess.agent
      .post('/desk/notifications/preferences')
      .type('form')
      .send({ email_assigned: 'console' })
      .expect(403);
    assert.equal(
      (
        await desk.base.db.query('SELECT 1 FROM notification_preferences WHERE user_id = $1 AND kind = $2', [
          tess.user.id,
          'assigned',
        ])
      ).length,
      0,
    );
  });

  it('when notify is called twice for the same cause, then the user is told once and one email is queued', async () => {
    const tess = await technician();
    await postForm(tess, '/desk/notifications/preferences', { email_taken_over: 'email' }).expect(303);
    const req = await newRequest();
    await tellTakenOver(tess, 'test:once', req);
    await tellTakenOver(tess, 'test:once', req);
    const told = await desk.base.db.query('SELECT 1 FROM notifications WHERE request_id = $1', [req.id]);
    assert.equal(told.length, 1);
    const emails = await desk.base.db.query(
      `SELECT 1 FROM emails WHERE template = 'staff-notification' AND to_address = $1`,
      [tess.user.email],
    );
    assert.equal(emails.length, 1);
  });
});

describe('GET /api/v1/notifications and POST /api/v1/notifications/read', () => {
  const api = (who: TestUser, url: string) =>
    request(desk.app).get(url).set('Authorization', `Bearer ${who.token}`);
  const markRead = (who: TestUser, body: unknown) =>
    request(desk.app)
      .post('/api/v1/notifications/read')
      .set('Authorization', `Bearer ${who.token}`)
      .send(body as object);

  it("when a user asks, then they get their own notifications newest first with the unread count, never another user's", async () => {
    const tess = await technician();
    const theo = await technician();
    const a = await tellTakenOver(tess);
    const b = await tellTakenOver(tess);
    const theirs = await tellTakenOver(theo);
    const res = await api(tess, '/api/v1/notifications').expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.unread_count, 2);
    assert.equal(res.body.next_cursor, null);
    assert.deepEqual(referencesIn(res.body), [b, a]);
    const [newest] = res.body.notifications;
    assert.equal(newest.kind, 'taken_over');
    assert.deepEqual(newest.data, { by: 'theo@desk.test' });
    assert.equal(newest.read_at, null);
    assert.ok(!JSON.stringify(res.body).includes(theirs));
  });

  it('when a page is small, then next_cursor leads on; unread=true keeps to unread ones; bad queries are 422', async () => {
    const tess = await technician();
    const refs = [await tellTakenOver(tess), await tellTakenOver(tess), await tellTakenOver(tess)];
    const first = await api(tess, '/api/v1/notifications?limit=2').expect(200);
    assert.equal(first.body.notifications.length, 2);
    const second = await api(tess, `/api/v1/notifications?limit=2&cursor=${first.body.next_cursor}`).expect(
      200,
    );
    assert.deepEqual(referencesIn(second.body), [refs[0]]);
    assert.equal(second.body.next_cursor, null);

    const oldest = second.body.notifications[0].id as number;
    const marked = await markRead(tess, { ids: [oldest] }).expect(200);
    assert.deepEqual(marked.body, { marked: 1, unread_count: 2 });
    const unread = await api(tess, '/api/v1/notifications?unread=true').expect(200);
    assert.deepEqual(referencesIn(unread.body), [refs[2], refs[1]]);

    for (const query of ['unread=maybe', 'cursor=abc', 'limit=0', 'limit=x']) {
      const bad = await api(tess, `/api/v1/notifications?${query}`).expect(422);
      assert.ok(['validation_failed', 'invalid_cursor'].includes(bad.body.error as string), query);
    }
  });

  it("when a user marks another user's notification read, then nothing of theirs changes; `all` marks only their own", async () => {
    const tess = await technician();
    const theo = await technician();
    await tellTakenOver(tess);
    await tellTakenOver(theo);
    const [tessNote] = (await api(tess, '/api/v1/notifications').expect(200)).body.notifications;
    assert.deepEqual((await markRead(theo, { ids: [tessNote.id] }).expect(200)).body, {
      marked: 0,
      unread_count: 1,
    });
    assert.deepEqual((await markRead(theo, { all: true }).expect(200)).body, { marked: 1, unread_count: 0 });
    assert.equal((await api(tess, '/api/v1/notifications').expect(200)).body.unread_count, 1);
    for (const body of [{}, { ids: [] }, { ids: ['1'] }, { all: false }, { all: true, ids: [1] }])
      await markRead(theo, body).expect(422);
  });

  it('when the inputs are odd, then a 4xx names the problem, never a 5xx', async () => {
    const tess = await technician();
    for (const query of [
      'unread=true&unread=false',
      'cursor=n1%00',
      `cursor=n${'9'.repeat(30)}`,
      'limit=1e9',
    ])
      assert.equal((await api(tess, `/api/v1/notifications?${query}`)).status, 422, query);
    for (const body of [[1, 2], { ids: [1e20] }, { ids: [1.5] }, { ids: Array(501).fill(1) }, 'all'])
      assert.equal((await markRead(tess, body)).status, 422, JSON.stringify(body));
    for (const url of [
      '/desk/notifications/99999999999999999999',
      '/desk/notifications/-1',
      '/desk/notifications/0',
    ])
      assert.equal((await tess.agent.get(url)).status, 404, url);
    assert.equal((await tess.agent.get('/desk/notifications?cursor=%00')).status, 422);
  });

  it('when there is no API token, then 401', async () => {
    await request(desk.app).get('/api/v1/notifications').expect(401);
    await request(desk.app).post('/api/v1/notifications/read').send({ all: true }).expect(401);
  });
});
