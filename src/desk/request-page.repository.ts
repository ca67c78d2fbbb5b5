import type { Queryable } from '../db/db.ts';

// The request page's reads that the ticket API has no need for: ids to link to, the masked text
// part of each email, the purchase as it is now. Every SELECT names its columns; nothing about
// activation codes (purchases.activation_code_enc, emails' encrypted bodies) is ever selected.

export interface DeskEmailRow {
  id: number;
  template: string;
  locale: string;
  to_address: string;
  /** The masked copy: what the console may show (null until the email job renders it). */
  subject: string | null;
  text: string | null;
  /** What the email job renders it from (secrets masked). */
  facts: Record<string, unknown> | null;
  status: string;
  created_at: Date;
  sent_at: Date | null;
  /** Why the last try failed (an SMTP answer, a dropped connection), for failed and unconfirmed emails. */
  last_error: string | null;
}

export async function listDeskEmails(db: Queryable, reference: string): Promise<DeskEmailRow[]> {
  return db.query<DeskEmailRow>(
    `SELECT e.id, e.template, e.locale, e.to_address, e.subject, e.text, e.facts, e.status, e.created_at, e.sent_at,
            e.last_error
       FROM emails e JOIN recovery_requests r ON r.id = e.request_id
      WHERE r.reference = $1 ORDER BY e.id`,
    [reference],
  );
}

export interface DeskEmailCopyRow {
  template: string;
  locale: string;
  facts: Record<string, unknown> | null;
  subject: string | null;
  html: string | null;
  text: string | null;
}

/** The masked copy of one email that belongs to a request (console mail only), or its masked facts. */
export async function findEmailCopy(db: Queryable, id: number): Promise<DeskEmailCopyRow | undefined> {
  const [row] = await db.query<DeskEmailCopyRow>(
    'SELECT template, locale, facts, subject, html, text FROM emails WHERE id = $1 AND request_id IS NOT NULL',
    [id],
  );
  return row;
}

export interface DeskAttachmentRow {
  id: number;
  name: string;
  type: string;
  size: number;
  created_at: Date;
}

export async function listDeskAttachments(db: Queryable, reference: string): Promise<DeskAttachmentRow[]> {
  return db.query<DeskAttachmentRow>(
    `SELECT a.id, a.original_name AS name, a.content_type AS type, a.size_bytes AS size, a.created_at
       FROM attachments a JOIN recovery_requests r ON r.id = a.request_id
      WHERE r.reference = $1 ORDER BY a.id`,
    [reference],
  );
}

export interface StoredAttachmentRow {
  id: number;
  name: string;
  type: string;
  size: number;
  /** NULL: in attachment_chunks; '': purged; else a file an older desk wrote, not yet moved in. */
  storage_path: string | null;
}

/** One attachment, only if it belongs to the request named: an id alone opens nothing. */
export async function findAttachment(
  db: Queryable,
  reference: string,
  id: number,
): Promise<StoredAttachmentRow | undefined> {
  const [row] = await db.query<StoredAttachmentRow>(
    `SELECT a.id, a.original_name AS name, a.content_type AS type, a.size_bytes AS size, a.storage_path
       FROM attachments a JOIN recovery_requests r ON r.id = a.request_id
      WHERE r.reference = $1 AND a.id = $2`,
    [reference, id],
  );
  return row;
}

/** The matched purchase as it is now (a refund or a new code may have changed it since matching). */
export interface DeskPurchaseRow {
  license_number: string;
  order_number: string;
  product_name: string;
  product_sku: string;
  seats: number;
  term_days: number;
  license_type: string;
  channel: string;
  store: string;
  country: string;
  purchased_at: string;
  purchaser_name: string;
  purchaser_email: string;
  first_activated_at: string | null;
  status: string;
  price: string;
  currency: string;
}

export async function findMatchedPurchase(
  db: Queryable,
  reference: string,
): Promise<DeskPurchaseRow | undefined> {
  const [row] = await db.query<DeskPurchaseRow>(
    `SELECT p.license_number, p.order_number, p.product_name, p.product_sku, p.seats, p.term_days,
            p.license_type, p.channel, p.store, p.country, p.purchased_at, p.purchaser_name,
            p.purchaser_email, p.first_activated_at, p.status, p.price::text AS price, p.currency
       FROM recovery_requests r
       JOIN match_results m ON m.request_id = r.id
       JOIN purchases p ON p.id = m.purchase_id
      WHERE r.reference = $1`,
    [reference],
  );
  return row;
}

/** Another request of the same requester: same mailbox, or the same licence (claimed or matched). */
export interface RelatedRequestRow {
  reference: string;
  status: string;
  created_at: Date;
  verdict: string | null;
  same_mailbox: boolean;
  same_licence: boolean;
  /** The event that closed it (code_sent, refund_approved, rejected), if it is closed. */
  outcome_type: string | null;
  outcome_data: Record<string, unknown> | null;
}

/**
 * The requester's other requests, newest first (at most `limit`): each of the three ways in is an
 * indexed lookup (recovery_requests by mailbox and by licence number, match_results by purchase).
 */
export async function listRelatedRequests(
  db: Queryable,
  reference: string,
  limit: number,
): Promise<RelatedRequestRow[]> {
  return db.query<RelatedRequestRow>(
    `WITH me AS (
       SELECT r.id, r.mailbox, r.license_number, m.purchase_id
         FROM recovery_requests r LEFT JOIN match_results m ON m.request_id = r.id
        WHERE r.reference = $1
     ), related AS (
       SELECT o.id FROM recovery_requests o, me WHERE o.mailbox = me.mailbox
       UNION SELECT o.id FROM recovery_requests o, me WHERE o.license_number = me.license_number
       UNION SELECT om.request_id FROM match_results om, me WHERE om.purchase_id = me.purchase_id
     )
     SELECT o.reference, o.status, o.created_at, om.verdict,
            coalesce(o.mailbox = me.mailbox, false) AS same_mailbox,
            coalesce(o.license_number = me.license_number, false)
              OR coalesce(om.purchase_id = me.purchase_id, false) AS same_licence,
            closing.type AS outcome_type, closing.data AS outcome_data
       FROM related JOIN recovery_requests o ON o.id = related.id
       CROSS JOIN me
       LEFT JOIN match_results om ON om.request_id = o.id
       LEFT JOIN LATERAL (
         SELECT e.type, e.data FROM request_events e
          WHERE e.request_id = o.id AND e.type IN ('code_sent', 'refund_approved', 'rejected')
          ORDER BY e.id DESC LIMIT 1
       ) closing ON o.status IN ('resolved', 'rejected')
      WHERE o.id <> me.id
      ORDER BY o.created_at DESC, o.id DESC
      LIMIT $2`,
    [reference, limit],
  );
}

/** The request a follow-up was filed for, and the follow-ups filed for this one (by email replies). */
export async function findFollowUpLinks(
  db: Queryable,
  reference: string,
): Promise<{ of: string | null; by: string[] }> {
  const [row] = await db.query<{ of: string | null; by: string[] }>(
    `SELECT (SELECT o.reference FROM recovery_requests o WHERE o.id = r.follow_up_of) AS of,
            coalesce((SELECT array_agg(f.reference ORDER BY f.id) FROM recovery_requests f
                       WHERE f.follow_up_of = r.id), '{}') AS by
       FROM recovery_requests r WHERE r.reference = $1`,
    [reference],
  );
  return row ?? { of: null, by: [] };
}
