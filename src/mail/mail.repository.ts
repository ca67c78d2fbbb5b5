import type { Queryable } from '../db/db.ts';
import { insertOutboxJobsFrom } from '../outbox/outbox.repository.ts';

export interface EmailRow {
  id: number;
  request_id: number | null;
  template: string;
  locale: string;
  to_address: string;
  /** What the template needs (secrets in their masked form); null on rows rendered when written. */
  facts: Record<string, unknown> | null;
  /** The secret facts (see EmailSecrets), encrypted; null when the email carries none. */
  secret_facts_enc: string | null;
  /** The recorded copy, masked: null until the email job renders it. */
  subject: string | null;
  html: string | null;
  text: string | null;
  /** The bodies as sent, encrypted, when the email carries a secret (html/text are then masked). */
  secret_html_enc: string | null;
  secret_text_enc: string | null;
  message_uuid: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'unconfirmed' | 'bounced';
  attempts: number;
  last_error: string | null;
  sending_since: Date | null;
  created_at: Date;
  sent_at: Date | null;
}

/** An email row as queued: what to send, not yet rendered. */
export type EmailWrite = Pick<EmailRow, 'request_id' | 'template' | 'locale' | 'to_address'> & {
  facts: Record<string, unknown>;
  secret_facts_enc: string | null;
};

/** The columns an email is written with, and their values from `firstParam` on. */
export function emailColumns(email: Omit<EmailWrite, 'request_id'>, firstParam: number) {
  const values = [
    email.template,
    email.locale,
    email.to_address,
    JSON.stringify(email.facts),
    email.secret_facts_enc,
  ];
  const types = ['text', 'text', 'text', 'jsonb', 'text'];
  return {
    columns: 'template, locale, to_address, facts, secret_facts_enc',
    placeholders: values.map((_, i) => `$${firstParam + i}::${types[i]}`).join(', '),
    values,
  };
}

/** Stores an email and its send-email job in the outbox, in one statement (one round trip to the database, atomic by itself). */
export async function insertEmailToSend(tx: Queryable, email: EmailWrite): Promise<number> {
  const e = emailColumns(email, 2);
  const params: unknown[] = [email.request_id, ...e.values];
  const job = insertOutboxJobsFrom([{ job: 'send-email', from: 'e' }], params);
  const [row] = await tx.query<{ id: number }>(
    `WITH e AS (
       INSERT INTO emails (request_id, ${e.columns}) VALUES ($1, ${e.placeholders}) RETURNING id),
     o AS (${job})
     SELECT id FROM e`,
    params,
  );
  return row!.id;
}

export async function findEmail(db: Queryable, id: number): Promise<EmailRow | undefined> {
  const [row] = await db.query<EmailRow>('SELECT * FROM emails WHERE id = $1', [id]);
  return row;
}

/** An email as "Send again" sees it, locked until the transaction ends, with its request's reference. */
export interface EmailToResend {
  status: EmailRow['status'];
  request_id: number | null;
  template: string;
  reference: string | null;
}

export async function lockEmailToResend(tx: Queryable, id: number): Promise<EmailToResend | undefined> {
  const [row] = await tx.query<EmailToResend>(
    `SELECT e.status, e.request_id, e.template, r.reference
       FROM emails e LEFT JOIN recovery_requests r ON r.id = e.request_id
      WHERE e.id = $1 FOR UPDATE OF e`,
    [id],
  );
  return row;
}

/** Back to pending, for a send job written in the same transaction. */
export async function markPendingAgain(tx: Queryable, id: number): Promise<void> {
  await tx.query(
    `UPDATE emails SET status = 'pending', sending_since = NULL, last_error = NULL WHERE id = $1`,
    [id],
  );
}

/** An email claimed for sending, with the Message-ID's local part of its request's first email. */
export type EmailToSend = EmailRow & { first_message_uuid: string | null };

/**
 * Takes the right to send: only one sender gets the row, and only while it is pending. The
 * request's first email (the lowest id) is read with it, on every try, so a resend threads the same.
 */
export async function claimForSending(db: Queryable, id: number): Promise<EmailToSend | undefined> {
  const [row] = await db.query<EmailToSend>(
    `UPDATE emails SET status = 'sending', sending_since = now(), attempts = attempts + 1
      WHERE id = $1 AND status = 'pending'
      RETURNING *, (SELECT f.message_uuid FROM emails f WHERE f.request_id = emails.request_id
                     ORDER BY f.id LIMIT 1) AS first_message_uuid`,
    [id],
  );
  return row;
}

/** The rendered copy, kept for the record before the email leaves (a resend sends this copy again). */
export async function recordRendered(
  db: Queryable,
  id: number,
  copy: Pick<EmailRow, 'subject' | 'html' | 'text' | 'secret_html_enc' | 'secret_text_enc'>,
): Promise<void> {
  await db.query(
    `UPDATE emails SET subject = $2, html = $3, text = $4, secret_html_enc = $5, secret_text_enc = $6
      WHERE id = $1 AND status = 'sending' AND subject IS NULL`,
    [id, copy.subject, copy.html, copy.text, copy.secret_html_enc, copy.secret_text_enc],
  );
}

export async function markSent(db: Queryable, id: number): Promise<void> {
  // A bounce may be read before the send's own answer is recorded: it is the later truth, so it stays.
  await db.query(
    `UPDATE emails SET status = 'sent', sent_at = now(), sending_since = NULL, last_error = NULL
      WHERE id = $1 AND status <> 'bounced'`,
    [id],
  );
}

/** After a refused or failed try: back to pending (to retry) or failed for good. */
export async function markAttemptFailed(
  db: Queryable,
  id: number,
  error: string,
  final: boolean,
): Promise<void> {
  await db.query(
    `UPDATE emails SET status = $2, sending_since = NULL, last_error = $3 WHERE id = $1 AND status = 'sending'`,
    [id, final ? 'failed' : 'pending', error.slice(0, 1000)],
  );
}

/** A sender died mid-send: the message may or may not have left, so it is never sent again by itself. */
export async function markUnconfirmed(db: Queryable, id: number, olderThanSeconds: number): Promise<boolean> {
  const rows = await db.query(
    `UPDATE emails SET status = 'unconfirmed', sending_since = NULL,
            last_error = 'the sender stopped while sending; the message may not have been delivered'
      WHERE id = $1 AND status = 'sending' AND sending_since < now() - make_interval(secs => $2)
      RETURNING id`,
    [id, olderThanSeconds],
  );
  return rows.length > 0;
}

export async function countEmailsByStatus(db: Queryable): Promise<{ status: string; n: number }[]> {
  return db.query('SELECT status, count(*)::int AS n FROM emails GROUP BY status');
}
