import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
import type { TestUser } from './helpers/users.ts';

let desk: TestDesk;
let tech: SignedIn & TestUser;
let other: SignedIn & TestUser;

before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  other = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

const viewsOf = (user: TestUser) =>
  desk.base.db.query<{ id: number; name: string; query: string }>(
    'SELECT id, name, query FROM queue_views WHERE user_id = $1 ORDER BY id',
    [user.user.id],
  );

/** The tabs above the queue, as [name, href, current]. */
function tabsOf(html: string): [string, string, boolean][] {
  const nav = /<nav class="view-tabs"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/<a href="([^"]*)"( aria-current="page")?>([^<]*)<\/a>/g)].map((m) => [
    m[3]!,
    m[1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '='),
    Boolean(m[2]),
  ]);
}

const save = (who: SignedIn, fields: Record<string, string>) => postForm(who, '/desk/views', fields);

describe('saved views of the queue', () => {
  it('when a technician saves the filters and sort, then a tab shows them, current on its page', async () => {
    const res = await save(tech, {
      name: 'Strong, latest first',
      verdict: 'strong',
      sort: 'updated',
      order: 'desc',
    }).expect(303);
    assert.equal(res.headers.location, '/desk?verdict=strong&sort=updated&order=desc');
    const page = await tech.agent.get(res.headers.location).expect(200);
    assert.match(page.text, /Saved the view “Strong, latest first”/);
    assert.deepEqual(tabsOf(page.text), [
      ['All open', '/desk', false],
      ['Strong, latest first', '/desk?verdict=strong&sort=updated&order=desc', true],
    ]);
    assert.match(page.text, /<option value="updated" selected>/);
    assert.match(page.text, /<option value="desc" selected>/);
    // On the default queue the built-in tab is current, and the view is one click away.
    const home = await tech.agent.get('/desk').expect(200);
    assert.deepEqual(
      tabsOf(home.text).map(([name, , current]) => [name, current]),
      [
        ['All open', true],
        ['Strong, latest first', false],
      ],
    );
  });

  it('when the same filters are asked in another spelling, then the view is still the current tab', async () => {
    const page = await tech.agent
      .get('/desk')
      .query({ order: 'desc', verdict: 'strong', sort: 'updated', status: 'open', overdue: 'false', q: '' })
      .expect(200);
    assert.equal(tabsOf(page.text).find(([, , current]) => current)?.[0], 'Strong, latest first');
    assert.match(page.text, /Delete the view “Strong, latest first”/);
  });

  it('when another technician opens the queue, then they never see my views, and cannot delete one', async () => {
    const page = await other.agent.get('/desk').expect(200);
    assert.deepEqual(tabsOf(page.text), [['All open', '/desk', true]]);
    assert.doesNotMatch(page.text, /Strong, latest first/);
    const [mine] = await viewsOf(tech);
    const refused = await postForm(other, `/desk/views/${mine!.id}/delete`).expect(404);
    assert.match(refused.text, /You have no such view/);
    assert.equal((await viewsOf(tech)).length, 1);
  });

  it('when a name is empty, too long, taken (in any case) or has control characters, then a clear message and nothing saved', async () => {
    const before = await viewsOf(tech);
    for (const [fields, message] of [
      [{ name: '   ', verdict: 'none' }, /Give the view a name\./],
      [{ name: 'x'.repeat(41), verdict: 'none' }, /at most 40 characters/],
      [{ name: 'STRONG, LATEST FIRST', verdict: 'none' }, /already have a view by this name/],
      [{ name: 'bad\u0007name', verdict: 'none' }, /must not contain control characters/],
      [
        { name: 'Again', verdict: 'strong', sort: 'updated', order: 'desc' },
        /“Strong, latest first” already shows these filters/,
      ],
      [{ name: 'Default' }, /These are the default filters/],
    ] as const) {
      const res = await save(tech, fields).expect(422);
      assert.match(res.text, message);
      assert.match(res.text, /role="alert"/);
    }
    assert.deepEqual(await viewsOf(tech), before);
  });

  it('when the name is refused, then what was typed stays in the box', async () => {
    const res = await save(tech, { name: 'x'.repeat(41), verdict: 'partial' }).expect(422);
    assert.match(res.text, new RegExp(`name="name" maxlength="40" value="${'x'.repeat(41)}"`));
    assert.match(res.text, /<option value="partial" selected>/);
  });

  it('when a filter sent with the view is not valid, then 400 naming it and nothing saved', async () => {
    const before = await viewsOf(tech);
    const res = await save(tech, { name: 'Odd', sort: 'colour' }).expect(400);
    assert.match(res.text, /sort must be one of/);
    assert.deepEqual(await viewsOf(tech), before);
  });

  it('when the form comes without its CSRF token, then 403 and nothing saved', async () => {
    const before = await viewsOf(tech);
    await tech.agent.post('/desk/views').type('form').send({ name: 'No token', verdict: 'none' }).expect(403);
    assert.deepEqual(await viewsOf(tech), before);
  });

  it('when a technician has 12 views, then a 13th is refused with the limit named', async () => {
    const sorts = ['due', 'created', 'updated', 'verdict', 'status'];
    for (let i = (await viewsOf(other)).length; i < 12; i++) {
      await save(other, {
        name: `View ${i}`,
        sort: sorts[i % 5]!,
        order: i % 2 ? 'asc' : 'desc',
        q: `n${i}`,
      }).expect(303);
    }
    const res = await save(other, { name: 'One more', verdict: 'conflict' }).expect(422);
    assert.match(res.text, /You have 12 views, the most one person may keep: delete one first\./);
    assert.equal((await viewsOf(other)).length, 12);
  });

  it('when a technician deletes their view, then its tab goes', async () => {
    const [mine] = await viewsOf(tech);
    const res = await postForm(tech, `/desk/views/${mine!.id}/delete`).expect(303);
    assert.equal(res.headers.location, '/desk');
    const page = await tech.agent.get('/desk').expect(200);
    assert.match(page.text, /Deleted the view “Strong, latest first”/);
    assert.deepEqual(tabsOf(page.text), [['All open', '/desk', true]]);
    await postForm(tech, `/desk/views/${mine!.id}/delete`).expect(404);
  });
});
