import { hasRole } from '../auth/roles.ts';
import { ROLES, type Role, type User } from '../auth/user.ts';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import { AppError } from '../errors.ts';
import { queueEmail } from '../mail/mail.service.ts';
import {
  KIND_RULES,
  NOTIFICATION_KINDS,
  type NotificationData,
  type NotificationKind,
} from './notification-kinds.ts';
import {
  countUnread,
  insertNotifications,
  listNotifications,
  listPreferences,
  markRead,
  openNotification,
  upsertPreferences,
  type NotificationRow,
} from './notifications.repository.ts';

/** The email every notification sends, English only like the console it links to (README). */
export const STAFF_NOTIFICATION_TEMPLATE = 'staff-notification';

/** Who is told: these users, or every user of this role (and the roles above it). */
export type Recipients = { userIds: readonly number[] } | { role: Role };

export interface Notification<K extends NotificationKind> {
  kind: K;
  to: Recipients;
  /** Whose act this is: never told of their own act. Null for the customer or the system. */
  actorId: number | null;
  request: { id: number; reference: string };
  data: NotificationData<K>;
  /**
   * What caused it, when the same cause could reach notify twice (`approval:12`): each user is
   * then told once, whatever repeats. Acts that cannot run twice (each is its own event) leave it out.
   */
  cause?: string;
}

/**
 * Tells desk users that something happened, inside the caller's transaction: a notification row
 * per recipient (active users of the kind's audience, never the actor), and for those who chose
 * email for this kind an email through the outbox (`queueEmail`), so the notification and its
 * email exist exactly when the change that caused them does. How many users were told.
 */
export async function notify<K extends NotificationKind>(
  tx: Queryable,
  config: Pick<Config, 'publicUrl' | 'secretKey' | 'inbound'>,
  n: Notification<K>,
): Promise<number> {
  const rule = KIND_RULES[n.kind];
  const data = n.data as Record<string, unknown>;
  const written = await insertNotifications(tx, {
    kind: n.kind,
    requestId: n.request.id,
    data,
    cause: n.cause ?? null,
    userIds: 'userIds' in n.to ? n.to.userIds : [],
    roles: 'role' in n.to ? rolesFrom(n.to.role) : [],
    audience: rolesFrom(rule.audience),
    exceptUserId: n.actorId,
    emailByDefault: rule.emailByDefault,
  });
  for (const w of written.filter((w) => w.by_email)) {
    await queueEmail(tx, config, {
      // Not the request's: the request page and API list the emails the customer's side got.
      requestId: null,
      template: STAFF_NOTIFICATION_TEMPLATE,
      locale: 'en',
      to: w.email,
      facts: {
        ...data,
        kind: n.kind,
        reference: n.request.reference,
        requestUrl: `${config.publicUrl}/desk/requests/${n.request.reference}`,
        preferencesUrl: `${config.publicUrl}/desk/notifications#preferences`,
      },
    });
  }
  return written.length;
}

/** A role and every role ranked above it. */
function rolesFrom(role: Role): Role[] {
  return ROLES.filter((r) => hasRole({ role: r }, role));
}

/** The kinds a user can be told of (supervisor kinds only to supervisors and admins). */
export function kindsFor(user: Pick<User, 'role'>): NotificationKind[] {
  return NOTIFICATION_KINDS.filter((kind) => hasRole(user, KIND_RULES[kind].audience));
}

export const NOTIFICATIONS_PAGE_SIZE = 25;

export interface NotificationsPage {
  notifications: NotificationRow[];
  unread_count: number;
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  next_cursor: string | null;
}

/** A cursor this list did not give out: 422, never a 500. */
export class InvalidNotificationCursorError extends AppError {
  constructor() {
    super('invalid_cursor', 422, 'cursor: not a cursor this list gave out.');
  }
}

/** The user's own notifications, newest first, a page at a time, with their unread count. */
export async function notificationsPage(
  db: Queryable,
  user: User,
  query: { cursor?: string; unreadOnly: boolean; limit?: number },
): Promise<NotificationsPage> {
  const limit = query.limit ?? NOTIFICATIONS_PAGE_SIZE;
  const before = query.cursor ? idOfCursor(query.cursor) : undefined;
  const [rows, unread] = await Promise.all([
    listNotifications(db, user.id, { before, unreadOnly: query.unreadOnly, limit: limit + 1 }),
    countUnread(db, user.id),
  ]);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    notifications: page,
    unread_count: unread,
    next_cursor: rows.length > limit && last ? `n${last.id}` : null,
  };
}

function idOfCursor(cursor: string): number {
  const id = /^n([1-9]\d{0,14})$/.exec(cursor)?.[1];
  if (!id) throw new InvalidNotificationCursorError();
  return Number(id);
}

export function unreadCount(db: Queryable, user: Pick<User, 'id'>): Promise<number> {
  return countUnread(db, user.id);
}

/** Marks the user's own notifications read (`ids`, or every one); how many changed. */
export function markNotificationsRead(
  db: Queryable,
  user: User,
  ids: readonly number[] | 'all',
): Promise<number> {
  return markRead(db, user.id, ids === 'all' ? null : ids);
}

/** Opens one of the user's notifications: marked read, and the reference of its request to go to. */
export function openOwnNotification(db: Queryable, user: User, id: number): Promise<string | undefined> {
  return openNotification(db, user.id, id);
}

export interface Preference {
  kind: NotificationKind;
  label: string;
  email: boolean;
}

/** The user's choice for every kind they can be told of: theirs, else the kind's default. */
export async function preferencesOf(db: Queryable, user: User): Promise<Preference[]> {
  const chosen = new Map((await listPreferences(db, user.id)).map((p) => [p.kind, p.email]));
  return kindsFor(user).map((kind) => ({
    kind,
    label: KIND_RULES[kind].label,
    email: chosen.get(kind) ?? KIND_RULES[kind].emailByDefault,
  }));
}

/** Saves the user's choices; a kind they cannot be told of is left out. */
export async function savePreferences(
  db: Queryable,
  user: User,
  choices: readonly { kind: NotificationKind; email: boolean }[],
): Promise<void> {
  const theirs = new Set(kindsFor(user));
  await upsertPreferences(
    db,
    user.id,
    choices.filter((c) => theirs.has(c.kind)),
  );
}
