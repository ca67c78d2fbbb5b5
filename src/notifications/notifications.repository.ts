import type { Role } from '../auth/user.ts';
import type { Queryable } from '../db/db.ts';
import type { NotificationKind } from './notification-kinds.ts';

export interface NotificationWrite {
  kind: NotificationKind;
  requestId: number;
  data: Record<string, unknown>;
  cause: string | null;
  /** These users, if active and of `audience`… */
  userIds: readonly number[];
  /** …and every active user of these roles… */
  roles: readonly Role[];
  /** …of these roles only (the kind's audience and above)… */
  audience: readonly Role[];
  /** …never this one (whoever acted). */
  exceptUserId: number | null;
  /** Whether a user who never chose gets this kind by email. */
  emailByDefault: boolean;
}

/** A notification as written, with where its email goes if its user wants one. */
export interface WrittenNotification {
  id: number;
  user_id: number;
  email: string;
  by_email: boolean;
}

/**
 * Writes one notification per recipient in one statement, with each recipient's email choice. A
 * cause already notified to a user (same kind) writes nothing for them, so a replay stays silent.
 */
export async function insertNotifications(
  tx: Queryable,
  n: NotificationWrite,
): Promise<WrittenNotification[]> {
  return tx.query<WrittenNotification>(
    `WITH r AS (
       SELECT u.id, u.email, coalesce(p.email, $9) AS by_email
         FROM users u
         LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = $1
        WHERE u.disabled_at IS NULL AND u.role = ANY($7::text[])
          AND (u.id = ANY($5::bigint[]) OR u.role = ANY($6::text[]))
          AND u.id IS DISTINCT FROM $8::bigint),
     n AS (
       INSERT INTO notifications (user_id, kind, request_id, data, cause)
       SELECT id, $1, $2, $3::jsonb, $4 FROM r ORDER BY id
       ON CONFLICT (user_id, kind, cause) WHERE cause IS NOT NULL DO NOTHING
       RETURNING id, user_id)
     SELECT n.id, n.user_id, r.email, r.by_email FROM n JOIN r ON r.id = n.user_id ORDER BY n.id`,
    [
      n.kind,
      n.requestId,
      JSON.stringify(n.data),
      n.cause,
      n.userIds,
      n.roles,
      n.audience,
      n.exceptUserId,
      n.emailByDefault,
    ],
  );
}

export interface NotificationRow {
  id: number;
  kind: NotificationKind;
  reference: string;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

/** A user's notifications, newest first, older than `before` (an id) when given. */
export async function listNotifications(
  db: Queryable,
  userId: number,
  page: { before?: number; unreadOnly: boolean; limit: number },
): Promise<NotificationRow[]> {
  return db.query<NotificationRow>(
    `SELECT n.id, n.kind, r.reference, n.data, n.created_at, n.read_at
       FROM notifications n JOIN recovery_requests r ON r.id = n.request_id
      WHERE n.user_id = $1 AND ($2::bigint IS NULL OR n.id < $2) AND (NOT $3 OR n.read_at IS NULL)
      ORDER BY n.id DESC LIMIT $4`,
    [userId, page.before ?? null, page.unreadOnly, page.limit],
  );
}

/** The bell's number: one lookup in the partial index notifications_unread. */
export async function countUnread(db: Queryable, userId: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
    [userId],
  );
  return row?.n ?? 0;
}

/** Marks the user's own notifications read: these ids, or all (`ids` null). How many changed. */
export async function markRead(
  db: Queryable,
  userId: number,
  ids: readonly number[] | null,
): Promise<number> {
  const rows = await db.query(
    `UPDATE notifications SET read_at = now()
      WHERE user_id = $1 AND read_at IS NULL AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))
      RETURNING id`,
    [userId, ids],
  );
  return rows.length;
}

/** Marks one of the user's notifications read; its request's reference, or undefined if not theirs. */
export async function openNotification(
  db: Queryable,
  userId: number,
  id: number,
): Promise<string | undefined> {
  const [row] = await db.query<{ reference: string }>(
    `UPDATE notifications n SET read_at = coalesce(n.read_at, now())
       FROM recovery_requests r
      WHERE n.id = $2 AND n.user_id = $1 AND r.id = n.request_id
      RETURNING r.reference`,
    [userId, id],
  );
  return row?.reference;
}

/** The kinds the user chose for (by email or not); the others follow their default. */
export async function listPreferences(
  db: Queryable,
  userId: number,
): Promise<{ kind: NotificationKind; email: boolean }[]> {
  return db.query('SELECT kind, email FROM notification_preferences WHERE user_id = $1', [userId]);
}

export async function upsertPreferences(
  db: Queryable,
  userId: number,
  choices: readonly { kind: NotificationKind; email: boolean }[],
): Promise<void> {
  await db.query(
    `INSERT INTO notification_preferences (user_id, kind, email)
     SELECT $1, kind, email FROM unnest($2::text[], $3::boolean[]) AS c(kind, email)
     ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email`,
    [userId, choices.map((c) => c.kind), choices.map((c) => c.email)],
  );
}
