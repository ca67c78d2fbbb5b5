import type { Queryable } from '../db/db.ts';
import type { AuditAction, AuditEntry } from './audit.ts';

export interface AuditEventRow {
  id: number;
  at: Date;
  actor_id: number | null;
  actor: string;
  action: AuditAction;
  subject: string | null;
  address: string | null;
  data: Record<string, unknown>;
}

/** Writes one audit event; pass the transaction of the change it records, so both land or neither. */
export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  const { actor } = entry;
  const [actorId, actorName] =
    actor === 'cli'
      ? [null, 'cli']
      : 'anonymous' in actor
        ? [null, actor.anonymous]
        : [actor.id, actor.email];
  await db.query(
    `INSERT INTO audit_events (actor_id, actor, action, subject, address, data)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      actorId,
      actorName,
      entry.action,
      entry.subject ?? null,
      entry.address ?? null,
      JSON.stringify(entry.data ?? {}),
    ],
  );
}

/** Newest first, a page at a time: `before` is the id of the last event of the previous page. */
export async function listAuditEvents(
  db: Queryable,
  page: { before?: number; limit: number },
): Promise<AuditEventRow[]> {
  return db.query<AuditEventRow>(
    `SELECT id, at, actor_id, actor, action, subject, address, data
       FROM audit_events
      WHERE $1::bigint IS NULL OR id < $1
      ORDER BY id DESC
      LIMIT $2`,
    [page.before ?? null, page.limit],
  );
}
