import type { Queryable } from '../db/db.ts';
import type { Role, User } from './user.ts';

export interface UserRow extends User {
  password_hash: string;
  disabled_at: Date | null;
  created_at: Date;
}

export async function insertUser(
  db: Queryable,
  u: { email: string; role: Role; passwordHash: string },
): Promise<User> {
  const [row] = await db.query<User>(
    `INSERT INTO users (email, role, password_hash) VALUES ($1, $2, $3) RETURNING id, email, role`,
    [u.email, u.role, u.passwordHash],
  );
  return row!;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>(
    `SELECT id, email, role, password_hash, disabled_at, created_at FROM users WHERE lower(email) = lower($1)`,
    [email],
  );
  return row;
}

/** Replaces a password hash, only if it is still the one checked (a concurrent change wins). */
export async function replacePasswordHash(
  db: Queryable,
  u: { userId: number; oldHash: string; newHash: string },
): Promise<void> {
  await db.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [
    u.userId,
    u.oldHash,
    u.newHash,
  ]);
}

/** Disables or enables the user; false when they already were (nothing changed). */
export async function setUserDisabled(db: Queryable, userId: number, disabled: boolean): Promise<boolean> {
  const rows = await db.query(
    `UPDATE users SET disabled_at = CASE WHEN $2 THEN now() END
      WHERE id = $1 AND (disabled_at IS NULL) = $2 RETURNING id`,
    [userId, disabled],
  );
  return rows.length > 0;
}

/** Gives the user another role; the role they had before, or undefined for no such user. */
export async function setUserRole(db: Queryable, userId: number, role: Role): Promise<Role | undefined> {
  const [row] = await db.query<{ before: Role }>(
    `UPDATE users u SET role = $2 FROM (SELECT id, role FROM users WHERE id = $1 FOR UPDATE) old
      WHERE u.id = old.id RETURNING old.role AS before`,
    [userId, role],
  );
  return row?.before;
}

export async function findUserById(db: Queryable, userId: number): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>(
    'SELECT id, email, role, password_hash, disabled_at, created_at FROM users WHERE id = $1',
    [userId],
  );
  return row;
}

/** Every user for the admin page, without password hashes. */
export async function listUsers(db: Queryable): Promise<Omit<UserRow, 'password_hash'>[]> {
  return db.query(
    'SELECT id, email, role, disabled_at, created_at FROM users ORDER BY disabled_at IS NOT NULL, lower(email)',
  );
}
