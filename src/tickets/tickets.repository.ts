import type { Queryable } from '../db/db.ts';
import type { RecoveryRequestRow } from '../requests/requests.repository.ts';

// Every SELECT here names its columns: nothing secret (status token hashes, upload paths, email
// bodies, anything about activation codes) can reach the technician API by a `*`.

/** The request as filed, with the reference of the request it duplicates, if any. */
export type TicketRequestRow = Omit<RecoveryRequestRow, 'status_token_hash'> & {
  client_ip: string | null;
  duplicate_of: string | null;
} & TicketWorkRow;

/** Who holds the request and its service-level clock (migration 0007). */
export interface TicketWorkRow {
  claimed_by: string | null;
  claimed_at: Date | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  first_responded_at: Date | null;
  closed_at: Date | null;
  paused_since: Date | null;
  paused_seconds: number;
}

export async function findTicketRequest(
  db: Queryable,
  reference: string,
): Promise<TicketRequestRow | undefined> {
  const [row] = await db.query<TicketRequestRow>(
    `SELECT r.id, r.reference, r.status, r.email, r.name, r.license_number, r.license_key, r.order_number,
            r.channel, r.store, r.country, r.purchased_on, r.reason, r.desired_outcome, r.details, r.locale,
            r.typed, r.client_ip, d.reference AS duplicate_of, r.created_at, r.updated_at,
            u.email AS claimed_by, r.claimed_at, r.first_response_due_at, r.resolution_due_at,
            r.first_responded_at, r.closed_at, r.paused_since, r.paused_seconds
       FROM recovery_requests r
       LEFT JOIN recovery_requests d ON d.id = r.duplicate_of
       LEFT JOIN users u ON u.id = r.claimed_by
      WHERE r.reference = $1`,
    [reference],
  );
  return row;
}

/** The matcher's stored result (a MatchResult), as it wrote it. */
export async function findMatchResult(db: Queryable, requestId: number): Promise<unknown> {
  const [row] = await db.query<{ result: unknown }>(
    'SELECT result FROM match_results WHERE request_id = $1',
    [requestId],
  );
  return row?.result ?? null;
}

export interface TicketEmailRow {
  template: string;
  locale: string;
  to_address: string;
  subject: string;
  status: string;
  created_at: Date;
  sent_at: Date | null;
}

/** As stored: `subject` is null until the email job renders it, and `facts` are what it renders from. */
export type StoredTicketEmailRow = Omit<TicketEmailRow, 'subject'> & {
  subject: string | null;
  facts: Record<string, unknown> | null;
};

export async function listEmails(db: Queryable, requestId: number): Promise<StoredTicketEmailRow[]> {
  return db.query<StoredTicketEmailRow>(
    `SELECT template, locale, to_address, subject, facts, status, created_at, sent_at
       FROM emails WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
}

export interface TicketAttachmentRow {
  name: string;
  type: string;
  size: number;
  created_at: Date;
}

export async function listAttachments(db: Queryable, requestId: number): Promise<TicketAttachmentRow[]> {
  return db.query<TicketAttachmentRow>(
    `SELECT original_name AS name, content_type AS type, size_bytes AS size, created_at
       FROM attachments WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
}

export interface TicketApprovalRow {
  id: number;
  kind: string;
  status: string;
  amount: string | null;
  currency: string | null;
  reissue_mode: string | null;
  to_address: string | null;
  proposed_by: string;
  decided_by: string | null;
  created_at: Date;
  decided_at: Date | null;
}

export async function listApprovals(db: Queryable, requestId: number): Promise<TicketApprovalRow[]> {
  return db.query<TicketApprovalRow>(
    `SELECT a.id, a.kind, a.status, a.amount::text AS amount, a.currency, a.reissue_mode, a.to_address,
            p.email AS proposed_by, d.email AS decided_by, a.created_at, a.decided_at
       FROM approvals a JOIN users p ON p.id = a.proposed_by LEFT JOIN users d ON d.id = a.decided_by
      WHERE a.request_id = $1 ORDER BY a.id`,
    [requestId],
  );
}
