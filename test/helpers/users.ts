import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createOwnToken } from '../../src/auth/tokens.service.ts';
import type { Role, User } from '../../src/auth/user.ts';
import { insertUser } from '../../src/auth/users.repository.ts';
import type { Db } from '../../src/db/db.ts';

export interface TestUser {
  user: User;
  password: string;
  /** A bearer API token for the user, created by the user themselves (as "My tokens" does). */
  token: string;
  tokenId: number;
}

// A hash at the desk's cost (scrypt N=2^17) takes most of a second, and a test file makes
// dozens of users: each distinct password is hashed once per process and its real hash reused.
// Factory users share one random password per process unless a test gives its own.
const defaultPassword = `pw-${randomBytes(12).toString('base64url')}`;
const hashes = new Map<string, Promise<string>>();

function hashOnce(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) hashes.set(password, (hash = hashPassword(password)));
  return hash;
}

/** A desk user of the given role with its own address, a password and an API token of their own. */
export async function createUserWithToken(
  db: Db,
  role: Role = 'technician',
  overrides: { email?: string; password?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? `${role}.${randomBytes(4).toString('hex')}@desk.test`;
  const password = overrides.password ?? defaultPassword;
  const user = await insertUser(db, { email, role, passwordHash: await hashOnce(password) });
  const { token, tokenId } = await createOwnToken(db, user, { label: 'test', expiresInDays: 90 }, null);
  return { user, password, token, tokenId };
}
