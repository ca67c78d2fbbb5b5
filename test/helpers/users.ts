import { randomBytes } from 'node:crypto';
import type { Role, User } from '../../src/auth/user.ts';
import { addUser, createApiToken } from '../../src/auth/users.service.ts';
import type { Queryable } from '../../src/db/db.ts';

export interface TestUser {
  user: User;
  password: string;
  /** A bearer API token for the user. */
  token: string;
  tokenId: number;
}

/** A desk user of the given role with its own address, a password and an API token. */
export async function createUserWithToken(
  db: Queryable,
  role: Role = 'technician',
  overrides: { email?: string; password?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? `${role}.${randomBytes(4).toString('hex')}@desk.test`;
  const password = overrides.password ?? `pw-${randomBytes(12).toString('base64url')}`;
  const user = await addUser(db, { email, role, password });
  const { token, tokenId } = await createApiToken(db, { email, label: 'test' });
  return { user, password, token, tokenId };
}
