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

export async function setUserDisabled(db: Queryable, userId: number, disabled: boolean): Promise<void> {
  await db.query(
    `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END WHERE id = $1`,
    [userId, disabled],
  );
}

export async function insertApiToken(
  db: Queryable,
  t: { userId: number; tokenHash: string; label: string | null },
): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3) RETURNING id',
    [t.userId, t.tokenHash, t.label],
  );
  return row!.id;
}

/** The user behind a token that is neither revoked nor held by a disabled user. */
export async function findUserByActiveToken(
  db: Queryable,
  tokenHash: string,
): Promise<(User & { token_id: number; recently_used: boolean }) | undefined> {
  const [row] = await db.query<User & { token_id: number; recently_used: boolean }>(
    `SELECT u.id, u.email, u.role, t.id AS token_id,
            coalesce(t.last_used_at > now() - interval '1 minute', false) AS recently_used
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
    [tokenHash],
  );
  return row;
}

export async function touchApiToken(db: Queryable, tokenId: number): Promise<void> {
  await db.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [tokenId]);
}

export async function revokeApiTokenById(db: Queryable, tokenId: number): Promise<void> {
  await db.query('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [tokenId]);
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

export interface ApiTokenRow {
  id: number;
  user_id: number;
  label: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export async function listApiTokens(db: Queryable): Promise<ApiTokenRow[]> {
  return db.query<ApiTokenRow>(
    `SELECT id, user_id, label, created_at, last_used_at, revoked_at
       FROM api_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC`,
  );
}

export async function findApiToken(db: Queryable, tokenId: number): Promise<ApiTokenRow | undefined> {
  const [row] = await db.query<ApiTokenRow>(
    'SELECT id, user_id, label, created_at, last_used_at, revoked_at FROM api_tokens WHERE id = $1',
    [tokenId],
  );
  return row;
}
