import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { isUniqueViolation } from '../requests/requests.repository.ts';
import { hashPassword } from './passwords.ts';
import type { User } from './user.ts';
import {
  findUserByActiveToken,
  findUserByEmail,
  findUserById,
  insertApiToken,
  insertUser,
  revokeApiTokenById,
  setUserDisabled,
  touchApiToken,
} from './users.repository.ts';
import type { NewUser } from './users.schema.ts';

// A recognisable prefix lets secret scanners and people tell a desk token from other strings.
const TOKEN_PREFIX = 'rdt_';
const TOKEN_SHAPE = /^rdt_[A-Za-z0-9_-]{43}$/;

export async function addUser(db: Queryable, input: NewUser): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await insertUser(db, { email: input.email, role: input.role, passwordHash });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key'))
      throw new ConflictError(`A user with the email address ${input.email} already exists.`);
    throw error;
  }
}

export async function disableUser(db: Queryable, userId: number): Promise<void> {
  await setUserDisabled(db, userId, true);
}

export async function enableUser(db: Queryable, userId: number): Promise<void> {
  await setUserDisabled(db, userId, false);
}

/** The user with this id if they exist and are not disabled (a session's user, say). */
export async function findActiveUser(db: Queryable, userId: number): Promise<User | null> {
  const found = await findUserById(db, userId);
  if (!found || found.disabled_at) return null;
  return { id: found.id, email: found.email, role: found.role };
}

/** A new API token for the user: 256 random bits, returned once, stored only as its hash. */
export async function createApiToken(
  db: Queryable,
  input: { email: string; label?: string | null },
): Promise<{ token: string; tokenId: number; user: User }> {
  const found = await findUserByEmail(db, input.email);
  if (!found) throw new NotFoundError(`No user has the email address ${input.email}.`);
  if (found.disabled_at) throw new ConflictError(`The user ${found.email} is disabled.`);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const tokenId = await insertApiToken(db, {
    userId: found.id,
    tokenHash: hashApiToken(token),
    label: input.label?.trim() || null,
  });
  return { token, tokenId, user: { id: found.id, email: found.email, role: found.role } };
}

export async function revokeApiToken(db: Queryable, tokenId: number): Promise<void> {
  await revokeApiTokenById(db, tokenId);
}

/**
 * The user an API token belongs to, or null for anything else: malformed, unknown, revoked,
 * or a disabled user's. The lookup is by hash, so comparing it leaks nothing about the token.
 */
export async function authenticateToken(db: Queryable, token: string): Promise<User | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const found = await findUserByActiveToken(db, hashApiToken(token));
  if (!found) return null;
  // At most one write a minute per token, not one per API call.
  if (!found.recently_used) await touchApiToken(db, found.token_id);
  return { id: found.id, email: found.email, role: found.role };
}

function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
