import { recordAudit } from '../audit/audit.repository.ts';
import type { ActingAs } from '../audit/audit.ts';
import type { Db, Queryable } from '../db/db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { hashPassword } from './passwords.ts';
import { revokeTokensOfUser } from './tokens.repository.ts';
import { tokenSubject } from './tokens.service.ts';
import type { Role, User } from './user.ts';
import {
  findUserByEmail,
  findUserById,
  insertUser,
  listUsers,
  setUserDisabled,
  setUserRole,
} from './users.repository.ts';
import type { NewUser } from './users.schema.ts';
import { isUniqueViolation } from '../db/db.ts';

/** Adds a user (admin page, `desk user add`, demo data), audited in the same transaction. */
export async function addUser(db: Db, input: NewUser, acting: ActingAs): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const user = await insertUser(tx, { email: input.email, role: input.role, passwordHash });
      await recordAudit(tx, {
        ...acting,
        action: 'user_added',
        subject: user.email,
        data: { user_id: user.id, role: user.role },
      });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key'))
      throw new ConflictError(`A user with the email address ${input.email} already exists.`);
    throw error;
  }
}

/**
 * Disables a user and revokes every token they hold, for good: enabling them again brings none
 * back (README "Security"). Each revoked token is audited too. Nothing happens to a user already disabled.
 */
export function disableUser(db: Db, userId: number, acting: ActingAs): Promise<User> {
  return db.transaction(async (tx) => {
    const user = await existingUser(tx, userId);
    if (!(await setUserDisabled(tx, userId, true))) return user;
    await recordAudit(tx, {
      ...acting,
      action: 'user_disabled',
      subject: user.email,
      data: { user_id: user.id },
    });
    const by = typeof acting.actor === 'object' && 'id' in acting.actor ? acting.actor.id : null;
    for (const token of await revokeTokensOfUser(tx, userId, by)) {
      await recordAudit(tx, {
        ...acting,
        action: 'token_revoked',
        subject: tokenSubject(token.id, token.label, user.email),
        data: { token_id: token.id, owner_id: user.id, reason: 'user_disabled' },
      });
    }
    return user;
  });
}

export function enableUser(db: Db, userId: number, acting: ActingAs): Promise<User> {
  return db.transaction(async (tx) => {
    const user = await existingUser(tx, userId);
    if (await setUserDisabled(tx, userId, false))
      await recordAudit(tx, {
        ...acting,
        action: 'user_enabled',
        subject: user.email,
        data: { user_id: user.id },
      });
    return user;
  });
}

/** Gives a user another role; audited with the role before and after when it changes. */
export function changeRole(db: Db, userId: number, role: Role, acting: ActingAs): Promise<User> {
  return db.transaction(async (tx) => {
    const user = await existingUser(tx, userId);
    const before = await setUserRole(tx, userId, role);
    if (before !== role)
      await recordAudit(tx, {
        ...acting,
        action: 'user_role_changed',
        subject: user.email,
        data: { user_id: user.id, from: before, to: role },
      });
    return { ...user, role };
  });
}

/** The user with this id if they exist and are not disabled (a session's user, say). */
export async function findActiveUser(db: Queryable, userId: number): Promise<User | null> {
  const found = await findUserById(db, userId);
  if (!found || found.disabled_at) return null;
  return { id: found.id, email: found.email, role: found.role };
}

async function existingUser(tx: Queryable, userId: number): Promise<User> {
  const found = await findUserById(tx, userId);
  if (!found) throw new NotFoundError('There is no such user.');
  return { id: found.id, email: found.email, role: found.role };
}

/** The enabled user with this address (any letter case), or null. */
export async function findActiveUserByEmail(db: Queryable, email: string): Promise<User | null> {
  const found = await findUserByEmail(db, email);
  if (!found || found.disabled_at) return null;
  return { id: found.id, email: found.email, role: found.role };
}

/** Everyone who may be given a request: enabled users, technicians and up, by address. */
export async function listAssignableUsers(db: Queryable): Promise<User[]> {
  return (await listUsers(db))
    .filter((u) => !u.disabled_at)
    .map(({ id, email, role }) => ({ id, email, role }));
}
