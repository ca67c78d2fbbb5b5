import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../src/auth/passwords.ts';
import {
  authenticateToken,
  createOwnToken,
  createTokenFromCli,
  revokeToken,
} from '../src/auth/tokens.service.ts';
import { addUser, disableUser } from '../src/auth/users.service.ts';
import { openDb, type Queryable } from '../src/db/db.ts';
import { migrate } from '../src/db/migrate.ts';
import { heldEmbeddedDataDir, freshDatabase, type TestDatabase } from './helpers/database.ts';
import { createUserWithToken } from './helpers/users.ts';

const CLI = { actor: 'cli', address: null } as const;

/** The user a token authenticates as, without its credential; null for none. */
async function userOfToken(db: Queryable, token: string) {
  const found = await authenticateToken(db, token);
  return found && { id: found.id, email: found.email, role: found.role };
}

describe('passwords', () => {
  it('when a password is hashed, then the same password verifies and a wrong one does not', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(
      stored,
      /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/,
      'the parameters are kept with the hash',
    );
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapl', stored), false);
    assert.equal(await verifyPassword('Correct horse battery staple', stored), false);
  });

  it('when the same password is hashed twice, then the hashes differ (salted)', async () => {
    assert.notEqual(await hashPassword('same password twice'), await hashPassword('same password twice'));
  });

  it('when the stored hash is malformed or asks for absurd costs, then nothing verifies and nothing throws', async () => {
    const good = await hashPassword('a password of some length');
    const [, , , , salt, key] = good.split('$');
    for (const stored of [
      '',
      'plain text',
      `bcrypt$32768$8$1$${salt}$${key}`,
      `scrypt$1073741824$8$1$${salt}$${key}`,
      `scrypt$131072$32$1$${salt}$${key}`,
      `scrypt$1000$8$1$${salt}$${key}`,
      `scrypt$32768$8$1$${salt}$`,
      `scrypt$32768$8$1$${salt}$${key}$extra`,
    ]) {
      assert.equal(await verifyPassword('a password of some length', stored), false, stored);
    }
  });
});

describe('API tokens', () => {
  let database: TestDatabase;
  before(async () => {
    database = await freshDatabase();
  });
  after(() => database.drop());

  it('when a token is created, then it authenticates as its user and only its SHA-256 hash is stored', async () => {
    const { user, token } = await createUserWithToken(database.db, 'supervisor');
    assert.match(token, /^rdt_[\w-]{43}$/);
    assert.deepEqual(await userOfToken(database.db, token), user);
    assert.equal(user.role, 'supervisor');
    const rows = await database.db.query<{ token_hash: string; last_used_at: Date | null }>(
      'SELECT token_hash, last_used_at FROM api_tokens WHERE user_id = $1',
      [user.id],
    );
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.token_hash, /^[0-9a-f]{64}$/);
    assert.ok(!rows[0]!.token_hash.includes(token.slice(4)), 'the token itself is not stored');
    assert.ok(rows[0]!.last_used_at, 'its use is recorded');
  });

  it('when a token is unknown or malformed, then it authenticates no one', async () => {
    await createUserWithToken(database.db);
    assert.equal(await authenticateToken(database.db, `rdt_${'A'.repeat(43)}`), null);
    assert.equal(await authenticateToken(database.db, ''), null);
    assert.equal(await authenticateToken(database.db, 'not a token'), null);
  });

  it('when a token is revoked, then it no longer authenticates, and the user’s other tokens still do', async () => {
    const { user, token, tokenId } = await createUserWithToken(database.db);
    const other = await createOwnToken(database.db, user, { label: null, expiresInDays: 90 }, null);
    await revokeToken(database.db, user, tokenId, { as: 'owner', address: null });
    assert.equal(await authenticateToken(database.db, token), null);
    assert.deepEqual(await userOfToken(database.db, other.token), user);
  });

  it('when the user is disabled, then none of their tokens authenticates and no new one can be made', async () => {
    const { user, token } = await createUserWithToken(database.db);
    await disableUser(database.db, user.id, CLI);
    assert.equal(await authenticateToken(database.db, token), null);
    await assert.rejects(
      createTokenFromCli(database.db, user.email, { label: null, expiresInDays: 90 }),
      /is disabled/,
    );
  });

  it('when an address is taken in another case, then adding it again is refused and nothing is stored', async () => {
    const { user } = await createUserWithToken(database.db);
    await assert.rejects(
      addUser(
        database.db,
        { email: user.email.toUpperCase(), role: 'admin', password: 'another password' },
        CLI,
      ),
      (error: Error & { status?: number }) => error.status === 409 && /already exists/.test(error.message),
    );
    const [row] = await database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)',
      [user.email],
    );
    assert.equal(row!.n, 1);
  });
});

describe('desk user add and desk token create', () => {
  const data = heldEmbeddedDataDir();

  const desk = (args: string[], input = '') =>
    spawnSync(process.execPath, ['bin/desk.js', ...args], {
      input,
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: data.dir, DATABASE_URL: '' },
    });

  async function inDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
    const db = await openDb({ dataDir: data.dir });
    try {
      await migrate(db);
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  it('when a user is added with the password on stdin, then a token made for them authenticates as them', async () => {
    const added = desk(
      ['user', 'add', '--email', 'Tess.Tech@Example.com', '--role', 'technician'],
      'a long enough password\nignored second line\n',
    );
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /Added technician Tess\.Tech@Example\.com/);

    const created = desk(['token', 'create', '--email', 'tess.tech@example.com', '--label', 'laptop']);
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^rdt_[\w-]{43}$/, 'stdout is the token alone');
    assert.match(created.stderr, /not shown again/);

    await inDatabase(async (db) => {
      const user = await authenticateToken(db, token);
      assert.ok(user, 'the token authenticates');
      assert.equal(user.email, 'Tess.Tech@Example.com');
      assert.equal(user.role, 'technician');
      const [row] = await db.query<{ password_hash: string; label: string }>(
        'SELECT u.password_hash, t.label FROM users u JOIN api_tokens t ON t.user_id = u.id WHERE u.id = $1',
        [user.id],
      );
      assert.equal(row!.label, 'laptop');
      assert.equal(
        await verifyPassword('a long enough password', row!.password_hash),
        true,
        'first line only',
      );
    });
  });

  it('when the address already exists in any case, then exit 1 with a clear message', () => {
    const first = desk(
      ['user', 'add', '--email', 'sam@example.com', '--role', 'admin'],
      'password number one\n',
    );
    assert.equal(first.status, 0, first.stderr);
    const again = desk(
      ['user', 'add', '--email', 'SAM@example.com', '--role', 'supervisor'],
      'password number two\n',
    );
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists/);
  });

  const badInput: [string, string[], string, RegExp][] = [
    [
      'the role is unknown',
      ['--email', 'x@example.com', '--role', 'boss'],
      'long enough password\n',
      /--role: .*technician, supervisor, admin/,
    ],
    [
      'the password is short',
      ['--email', 'x@example.com', '--role', 'admin'],
      'eleven char\n',
      /at least 12 characters/,
    ],
    ['stdin is empty', ['--email', 'x@example.com', '--role', 'admin'], '', /at least 12 characters/],
    [
      'the email is not an address',
      ['--email', 'not-an-address', '--role', 'admin'],
      'long enough password\n',
      /--email: .*not valid/,
    ],
    ['the email is missing', ['--role', 'admin'], 'long enough password\n', /--email is required/],
    [
      'an option is unknown',
      ['--email', 'x@example.com', '--role', 'admin', '--admin'],
      'long enough password\n',
      /Unknown option '--admin'/,
    ],
  ];
  for (const [label, args, input, message] of badInput) {
    it(`when ${label}, then exit 2 with a clear message and no user is added`, async () => {
      const result = desk(['user', 'add', ...args], input);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /Usage: desk user add/);
      const rows = await inDatabase((db) =>
        db.query("SELECT 1 FROM users WHERE email IN ('x@example.com', 'not-an-address')"),
      );
      assert.equal(rows.length, 0);
    });
  }

  it('when a token is asked for an unknown user, then exit 1; without --email, exit 2', () => {
    const unknown = desk(['token', 'create', '--email', 'nobody@example.com']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /No user has the email address nobody@example\.com/);
    assert.equal(unknown.stdout, '');
    const missing = desk(['token', 'create']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--email is required/);
  });
});
