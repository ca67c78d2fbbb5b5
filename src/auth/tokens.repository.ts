import type { Queryable } from '../db/db.ts';
import type { TokenScope } from './token-scopes.ts';
import type { User } from './user.ts';

/** How a token came to be: its owner in the console, the operator's `desk token create`, or before 0014. */
export type TokenOrigin = 'console' | 'cli' | 'unknown';
export type RevokedReason = 'owner' | 'admin' | 'user_disabled';

export interface ApiTokenRow {
  id: number;
  user_id: number;
  label: string | null;
  created_at: Date;
  created_by: number | null;
  created_by_email: string | null;
  created_via: TokenOrigin;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: RevokedReason | null;
  revoked_by_email: string | null;
  scopes: TokenScope[];
}

const TOKEN_COLUMNS = `t.id, t.user_id, t.label, t.created_at, t.created_by, c.email AS created_by_email,
       t.created_via, t.expires_at, t.last_used_at, t.revoked_at, t.revoked_reason, r.email AS revoked_by_email,
       t.scopes
  FROM api_tokens t LEFT JOIN users c ON c.id = t.created_by LEFT JOIN users r ON r.id = t.revoked_by`;

export async function insertApiToken(
  db: Queryable,
  t: {
    userId: number;
    tokenHash: string;
    label: string | null;
    createdBy: number | null;
    createdVia: 'console' | 'cli';
    expiresInDays: number;
    scopes: readonly TokenScope[];
  },
): Promise<{ id: number; expires_at: Date }> {
  const [row] = await db.query<{ id: number; expires_at: Date }>(
    `INSERT INTO api_tokens (user_id, token_hash, label, created_by, created_via, expires_at, scopes)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6::int), $7::text[])
     RETURNING id, expires_at`,
    [t.userId, t.tokenHash, t.label, t.createdBy, t.createdVia, t.expiresInDays, t.scopes],
  );
  return row!;
}

export interface ActiveTokenUser extends User {
  token_id: number;
  created_by: number | null;
  created_via: TokenOrigin;
  scopes: TokenScope[];
  recently_used: boolean;
}

/** The user behind a token that is not revoked, not expired, and not held by a disabled user. */
export async function findUserByActiveToken(
  db: Queryable,
  tokenHash: string,
): Promise<ActiveTokenUser | undefined> {
  const [row] = await db.query<ActiveTokenUser>(
    `SELECT u.id, u.email, u.role, t.id AS token_id, t.created_by, t.created_via, t.scopes,
            coalesce(t.last_used_at > now() - interval '1 minute', false) AS recently_used
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.disabled_at IS NULL`,
    [tokenHash],
  );
  return row;
}

export async function touchApiToken(db: Queryable, tokenId: number): Promise<void> {
  await db.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [tokenId]);
}

/** Revokes the token if it is not already; the row as it was, or undefined when nothing changed. */
export async function revokeApiTokenById(
  db: Queryable,
  tokenId: number,
  why: { reason: RevokedReason; by: number | null },
): Promise<{ id: number; user_id: number; label: string | null } | undefined> {
  const [row] = await db.query<{ id: number; user_id: number; label: string | null }>(
    `UPDATE api_tokens SET revoked_at = now(), revoked_reason = $2, revoked_by = $3
      WHERE id = $1 AND revoked_at IS NULL RETURNING id, user_id, label`,
    [tokenId, why.reason, why.by],
  );
  return row;
}

/** Revokes every live token of the user (they were disabled); the tokens revoked. */
export async function revokeTokensOfUser(
  db: Queryable,
  userId: number,
  by: number | null,
): Promise<{ id: number; label: string | null }[]> {
  return db.query<{ id: number; label: string | null }>(
    `UPDATE api_tokens SET revoked_at = now(), revoked_reason = 'user_disabled', revoked_by = $2
      WHERE user_id = $1 AND revoked_at IS NULL RETURNING id, label`,
    [userId, by],
  );
}

/** Every token, live ones first, newest first: the admin's users page. */
export async function listApiTokens(db: Queryable): Promise<ApiTokenRow[]> {
  return db.query<ApiTokenRow>(
    `SELECT ${TOKEN_COLUMNS} ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC, t.id DESC`,
  );
}

/** One user's own tokens, live ones first, newest first: their "My tokens" page. */
export async function listTokensOfUser(db: Queryable, userId: number): Promise<ApiTokenRow[]> {
  return db.query<ApiTokenRow>(
    `SELECT ${TOKEN_COLUMNS} WHERE t.user_id = $1
      ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC, t.id DESC`,
    [userId],
  );
}

export async function findApiToken(db: Queryable, tokenId: number): Promise<ApiTokenRow | undefined> {
  const [row] = await db.query<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} WHERE t.id = $1`, [tokenId]);
  return row;
}
