import { emitWebhook } from '../webhooks/webhook-events.ts';
import type { Queryable } from '../db/db.ts';
import type { RequestStatus } from './request-status.ts';

/** A request as a decision sees it, locked for the rest of the transaction. */
export interface LockedTicket {
  id: number;
  reference: string;
  status: string;
  email: string;
  name: string;
  locale: string;
  store: string;
  /** Where the customer said they bought it: estore, partner or retail_box. */
  channel: string;
  claimed_by: number | null;
  claimed_by_email: string | null;
  claimed_at: Date | null;
  closed_at: Date | null;
  /** The purchase the matcher settled on, if any. */
  purchase_id: number | null;
}

// FOR UPDATE OF r: two decisions on one request queue here, and the second sees the first's status.
const LOCK_TICKET = `SELECT r.id, r.reference, r.status, r.email, r.name, r.locale, r.store, r.channel, r.claimed_by,
       u.email AS claimed_by_email, r.claimed_at, r.closed_at, m.purchase_id
  FROM recovery_requests r
  LEFT JOIN users u ON u.id = r.claimed_by
  LEFT JOIN match_results m ON m.request_id = r.id`;

export async function lockTicket(tx: Queryable, reference: string): Promise<LockedTicket | undefined> {
  const [row] = await tx.query<LockedTicket>(`${LOCK_TICKET} WHERE r.reference = $1 FOR UPDATE OF r`, [
    reference,
  ]);
  return row;
}

/** The same request without the lock: for what only reads it (a decision's preview). */
export async function readTicket(db: Queryable, reference: string): Promise<LockedTicket | undefined> {
  const [row] = await db.query<LockedTicket>(`${LOCK_TICKET} WHERE r.reference = $1`, [reference]);
  return row;
}

export async function lockTicketById(tx: Queryable, id: number): Promise<LockedTicket | undefined> {
  const [row] = await tx.query<LockedTicket>(`${LOCK_TICKET} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
  return row;
}

/**
 * Moves a request to a new status and keeps its service-level clock: waiting on the customer
 * pauses it; leaving that state pushes both due times back by the pause; a closed request stops it.
 * `responded` marks the first response: the first thing the customer hears (a code, a question,
 * a rejection, an approved refund's email), never a proposal still waiting for approval.
 */
export async function moveTicket(
  tx: Queryable,
  requestId: number,
  status: Exclude<RequestStatus, 'received'>,
  responded: boolean,
): Promise<void> {
  await tx.query(
    `UPDATE recovery_requests
        SET first_response_due_at = first_response_due_at + coalesce(now() - paused_since, interval '0'),
            resolution_due_at = resolution_due_at + coalesce(now() - paused_since, interval '0'),
            paused_seconds = paused_seconds + coalesce(extract(epoch FROM now() - paused_since)::int, 0),
            paused_since = CASE WHEN $2::text = 'waiting_on_customer' THEN now() ELSE NULL END,
            first_responded_at = CASE WHEN $3::boolean THEN coalesce(first_responded_at, now()) ELSE first_responded_at END,
            closed_at = CASE WHEN $2::text IN ('resolved', 'rejected') THEN now() ELSE NULL END,
            status = $2::text, updated_at = now()
      WHERE id = $1`,
    [requestId, status, responded],
  );
  if (status === 'resolved' || status === 'rejected')
    await emitWebhook(tx, `request.${status}`, { requestId });
}
