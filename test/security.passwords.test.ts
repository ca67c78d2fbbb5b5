import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../src/auth/passwords.ts';
import { insertUser } from '../src/auth/users.repository.ts';
import { newPassword } from '../src/auth/users.schema.ts';
import { DEMO_USERS } from '../src/demo/demo.service.ts';
import { heldEmbeddedDataDir } from './helpers/database.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { signIn, signInAs, type SignedIn } from './helpers/session.ts';

const COMMON = 'The password is on a list of commonly used passwords; choose another.';
// On the shipped list as `password1234`; typed here in another case.
const COMMON_PASSWORD = 'PassWord1234';

let desk: TestDesk;
let admin: SignedIn;
before(async () => {
  desk = await startDesk({ workers: false });
  admin = await signInAs(desk.app, desk.base.db, 'admin');
});
after(() => desk.stop());

async function passwordHash(email: string): Promise<string | undefined> {
  const [row] = await desk.base.db.query<{ password_hash: string }>(
    'SELECT password_hash FROM users WHERE lower(email) = lower($1)',
    [email],
  );
  return row?.password_hash;
}

describe('password hashes', () => {
  it('finding 11: when a password is hashed, then it is scrypt with N=2^17, r=8, p=1, and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapl', stored), false);
  });

  it('finding 11: when a user with an N=2^15 hash signs in, then the hash is replaced by an N=2^17 one that still verifies', async () => {
    const email = `old.hash.${randomBytes(4).toString('hex')}@desk.test`;
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const old = ['scrypt', 2 ** 15, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    await insertUser(desk.base.db, { email, role: 'technician', passwordHash: old });
    assert.equal(await verifyPassword(password, old), true, 'the old hash is still accepted');

    await signIn(desk.app, email, password);
    const upgraded = (await passwordHash(email))!;
    assert.match(upgraded, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword(password, upgraded), true);
    await signIn(desk.app, email, password);
    assert.equal(await passwordHash(email), upgraded, 'a hash at today’s cost is left alone');
  });
});

describe('common passwords', () => {
  const data = heldEmbeddedDataDir();

  const userAdd = (email: string, password: string) =>
    spawnSync(process.execPath, ['bin/desk.js', 'user', 'add', '--email', email, '--role', 'technician'], {
      input: `${password}\n`,
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: data.dir, DATABASE_URL: '' },
    });

  it('finding 11: when desk user add is given a common password in any case, then exit 2 saying why', () => {
    const refused = userAdd('common@example.com', COMMON_PASSWORD);
    assert.equal(refused.status, 2, refused.stderr);
    assert.ok(refused.stderr.includes(COMMON), refused.stderr);
    const added = userAdd('common@example.com', 'staple battery horse correct');
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /Added technician common@example\.com/);
  });

  it('finding 11: when the console’s add-user form is given a common password, then 422 saying why and nothing added; an uncommon one is added', async () => {
    const email = `console.${randomBytes(4).toString('hex')}@desk.test`;
    const post = (password: string) =>
      admin.agent
        .post('/desk/admin/users')
        .type('form')
        .send({ _csrf: admin.csrfToken, email, role: 'technician', password });
    const refused = await post('qwertyuiop12');
    assert.equal(refused.status, 422);
    assert.ok(refused.text.includes(COMMON), 'the reason is given');
    assert.equal(await passwordHash(email), undefined);

    await post('twelve plus uncommon').expect(303);
    assert.match((await passwordHash(email))!, /^scrypt\$131072\$/);
  });

  it('when the demo users are loaded, then their public passwords pass the rules too', () => {
    for (const user of DEMO_USERS) {
      const checked = newPassword.safeParse(user.password);
      assert.ok(checked.success, `${user.email}: ${checked.error?.issues[0]?.message}`);
    }
  });
});
