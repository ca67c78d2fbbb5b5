import { randomBytes } from 'node:crypto';
import { createOwnToken } from '../../src/auth/tokens.service.ts';
import type { Role, User } from '../../src/auth/user.ts';
import { addUser } from '../../src/auth/users.service.ts';
import type { Db } from '../../src/db/db.ts';

export interface TestUser {
  user: User;
  password: string;
  /** A bearer API token for the user, created by the user themselves (as "My tokens" does). */
  token: string;
  tokenId: number;
}

/** A desk user of the given role with its own address, a password and an API token of their own. */
export async function createUserWithToken(
  db: Db,
  role: Role = 'technician',
  overrides: { email?: string; password?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? `${role}.${randomBytes(4).toString('hex')}@desk.test`;
  const password = overrides.password ?? `pw-${randomBytes(12).toString('base64url')}`;
  const user = await addUser(db, { email, role, password }, { actor: 'cli', address: null });
  const { token, tokenId } = await createOwnToken(db, user, { label: 'test', expiresInDays: 90 }, null);
  return { user, password, token, tokenId };
}
