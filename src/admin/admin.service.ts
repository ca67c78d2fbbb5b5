import type { User } from '../auth/user.ts';
import {
  findApiToken,
  findUserById,
  listApiTokens,
  listUsers,
  type ApiTokenRow,
} from '../auth/users.repository.ts';
import { createApiToken, disableUser, enableUser, revokeApiToken } from '../auth/users.service.ts';
import type { Queryable } from '../db/db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

export interface TokenView {
  id: number;
  label: string;
  created: string;
  lastUsed: string;
  revoked: string | null;
}

export interface UserView {
  id: number;
  email: string;
  role: string;
  created: string;
  disabled: string | null;
  isSelf: boolean;
  tokens: TokenView[];
}

/** Every user with their API tokens, newest first, for the admin's users page. */
export async function usersOverview(db: Queryable, admin: User): Promise<UserView[]> {
  const [users, tokens] = await Promise.all([listUsers(db), listApiTokens(db)]);
  const byUser = new Map<number, ApiTokenRow[]>();
  for (const t of tokens) byUser.set(t.user_id, [...(byUser.get(t.user_id) ?? []), t]);
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    role: u.role,
    created: when(u.created_at),
    disabled: u.disabled_at ? when(u.disabled_at) : null,
    isSelf: u.id === admin.id,
    tokens: (byUser.get(u.id) ?? []).map(tokenView),
  }));
}

/**
 * Disables or enables a user. An admin may not disable themselves: with no other admin left,
 * nobody could undo it from the console.
 */
export async function setUserEnabled(
  db: Queryable,
  admin: User,
  userId: number,
  enabled: boolean,
): Promise<User> {
  const user = await findUserById(db, userId);
  if (!user) throw new NotFoundError('There is no such user.');
  if (!enabled && user.id === admin.id) {
    throw new ConflictError('You cannot disable your own account. Ask another admin to do it.');
  }
  await (enabled ? enableUser(db, userId) : disableUser(db, userId));
  return { id: user.id, email: user.email, role: user.role };
}

/** A new API token for the user; the caller shows it once and never again. */
export async function createTokenForUser(
  db: Queryable,
  userId: number,
  label: string,
): Promise<{ token: string; user: User; label: string }> {
  const user = await findUserById(db, userId);
  if (!user) throw new NotFoundError('There is no such user.');
  const created = await createApiToken(db, { email: user.email, label });
  return { token: created.token, user: created.user, label };
}

export async function revokeToken(db: Queryable, tokenId: number): Promise<{ label: string; email: string }> {
  const token = await findApiToken(db, tokenId);
  if (!token) throw new NotFoundError('There is no such API token.');
  const owner = await findUserById(db, token.user_id);
  await revokeApiToken(db, tokenId);
  return { label: token.label ?? `#${token.id}`, email: owner?.email ?? '' };
}

function tokenView(t: ApiTokenRow): TokenView {
  return {
    id: t.id,
    label: t.label ?? '(no label)',
    created: when(t.created_at),
    lastUsed: t.last_used_at ? when(t.last_used_at) : 'never',
    revoked: t.revoked_at ? when(t.revoked_at) : null,
  };
}

/** Dates on staff pages: UTC to the minute, the same for everyone on the team. */
function when(date: Date | string): string {
  return `${new Date(date).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
