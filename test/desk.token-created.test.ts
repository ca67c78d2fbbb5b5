/**
 * The new-token page names the token's owner, taken from the token made, not from the page's
 * signed-in user (which the console's layout sets under `user`, and would overwrite the owner
 * under that name). Since issue 7 only the owner makes a token in the console; an admin on
 * another user's row has no way to make one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { postForm, signInAs } from './helpers/session.ts';

let desk: TestDesk;

before(async () => {
  desk = await startDesk({ workers: false });
});
after(() => desk.stop());

async function tokensOf(userId: number): Promise<number> {
  const [row] = await desk.base.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1',
    [userId],
  );
  return row!.n;
}

/** The page's own content, without the header's "Signed in as". */
const mainOf = (html: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(html)![1]!.replace(/<[^>]+>/g, '');

describe('the new-token page', () => {
  it('when a supervisor makes a token under My tokens, then the page names them as its owner', async () => {
    const supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
    const res = await postForm(supervisor, '/desk/tokens', { label: 'laptop', expires_in_days: '30' }).expect(
      201,
    );
    const [row] = await desk.base.db.query<{ user_id: number }>(
      `SELECT user_id FROM api_tokens WHERE label = 'laptop'`,
    );
    assert.equal(row?.user_id, supervisor.user.id);
    assert.match(
      mainOf(res.text),
      new RegExp(`for ${supervisor.user.email.replace(/\./g, '\\.')} \\(supervisor\\)`),
    );
    assert.match(mainOf(res.text), /with scopes: none:/, 'no scope unless ticked');
  });

  it('when a supervisor ticks purchases:write, then the page names the scope the token holds', async () => {
    const supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
    const fields = { label: 'shop', expires_in_days: '30', scopes: 'purchases:write' };
    const res = await postForm(supervisor, '/desk/tokens', fields).expect(201);
    assert.match(mainOf(res.text), /with scopes: purchases:write:/);
  });

  it('when an admin tries to make a token on another user’s row, then there is no such page and no token', async () => {
    const admin = await signInAs(desk.app, desk.base.db, 'admin');
    const supervisor = await signInAs(desk.app, desk.base.db, 'supervisor');
    const before = await tokensOf(supervisor.user.id);
    for (const path of [`/desk/admin/users/${supervisor.user.id}/tokens`, `/desk/admin/tokens`]) {
      const res = await postForm(admin, path, { label: 'for them', expires_in_days: '30' });
      assert.equal(res.status, 404, path);
    }
    assert.equal(await tokensOf(supervisor.user.id), before);
  });
});
