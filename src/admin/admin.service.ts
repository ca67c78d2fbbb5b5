import type { ShownTime } from '../time-text.ts';
import type { ActingAs } from '../audit/audit.ts';
import { listApiTokens, type ApiTokenRow } from '../auth/tokens.repository.ts';
import { tokenView, type TokenView } from '../desk/tokens.view.ts';
import { consoleTime } from '../time-text.ts';
import type { Role, User } from '../auth/user.ts';
import { listUsers } from '../auth/users.repository.ts';
import { changeRole, disableUser, enableUser } from '../auth/users.service.ts';
import type { Db, Queryable } from '../db/db.ts';
import { ConflictError } from '../errors.ts';

export interface UserView {
  id: number;
  email: string;
  role: string;
  created: ShownTime;
  disabled: ShownTime | null;
  isSelf: boolean;
  tokens: TokenView[];
}

/** Every user with their API tokens, newest first, for the admin's users page. */
export async function usersOverview(db: Queryable, admin: User): Promise<UserView[]> {
  const [users, tokens] = await Promise.all([listUsers(db), listApiTokens(db)]);
  const byUser = new Map<number, ApiTokenRow[]>();
  for (const t of tokens) byUser.set(t.user_id, [...(byUser.get(t.user_id) ?? []), t]);
  const now = new Date();
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    role: u.role,
    created: consoleTime(u.created_at),
    disabled: u.disabled_at ? consoleTime(u.disabled_at) : null,
    isSelf: u.id === admin.id,
    tokens: (byUser.get(u.id) ?? []).map((t) => tokenView(t, now)),
  }));
}

/**
 * Disables or enables a user (disabling revokes their tokens for good). An admin may not
 * disable themselves: with no other admin left, nobody could undo it from the console.
 */
export async function setUserEnabled(
  db: Db,
  admin: User,
  userId: number,
  enabled: boolean,
  address: string | null,
): Promise<User> {
  if (!enabled && userId === admin.id) {
    throw new ConflictError('You cannot disable your own account. Ask another admin to do it.');
  }
  const acting: ActingAs = { actor: { id: admin.id, email: admin.email }, address };
  return enabled ? enableUser(db, userId, acting) : disableUser(db, userId, acting);
}

/** Another user's role; never one's own (an admin could not undo dropping their own rank). */
export async function setUserRole(
  db: Db,
  admin: User,
  userId: number,
  role: Role,
  address: string | null,
): Promise<User> {
  if (userId === admin.id) {
    throw new ConflictError('You cannot change your own role. Ask another admin to do it.');
  }
  return changeRole(db, userId, role, { actor: { id: admin.id, email: admin.email }, address });
}
