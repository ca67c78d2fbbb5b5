import type { Queryable } from '../db/db.ts';
import type { EventType, RequestEvent } from './events.ts';

/** Adds an event to a request's history, in the caller's transaction. */
export async function insertEvent(
  tx: Queryable,
  e: { requestId: number; actor: string; type: EventType; data?: Record<string, unknown> },
): Promise<void> {
  await tx.query('INSERT INTO request_events (request_id, actor, type, data) VALUES ($1, $2, $3, $4)', [
    e.requestId,
    e.actor,
    e.type,
    JSON.stringify(e.data ?? {}),
  ]);
}

/** A request's history, oldest first. */
export async function listEvents(db: Queryable, requestId: number): Promise<RequestEvent[]> {
  return db.query<RequestEvent>(
    'SELECT actor, type, data, created_at FROM request_events WHERE request_id = $1 ORDER BY id',
    [requestId],
  );
}
