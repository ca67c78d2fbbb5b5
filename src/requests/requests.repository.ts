import type { DueHours } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import { emailColumns, type EmailWrite } from '../mail/mail.repository.ts';
import { insertReplyTokenFrom } from '../mail/reply-tokens.ts';
import { insertOutboxJobsFrom } from '../outbox/outbox.repository.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { clientNetwork } from '../identifiers/network.ts';
import { insertDeliveriesFrom } from '../webhooks/webhooks.repository.ts';
import { hashToken } from './reference.ts';
import type { NewRecoveryRequest } from './requests.schema.ts';

export interface RecoveryRequestRow {
  id: number;
  reference: string;
  status: string;
  status_token_hash: string;
  email: string;
  name: string;
  license_number: string | null;
  license_key: string | null;
  order_number: string | null;
  channel: string;
  store: string;
  country: string;
  purchased_on: string;
  reason: string;
  desired_outcome: string;
  details: string | null;
  locale: string;
  typed: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

export type RequestWrite = NewRecoveryRequest & {
  reference: string;
  statusTokenHash: string;
  locale: string;
  clientIp: string | null;
  /** The configured service levels: the due times are these hours from filing (see INSERT_REQUEST). */
  dueHours: DueHours;
};

/**
 * The one place due times are set: the database's `now()` (the same clock as `created_at`, and
 * as the queue's overdue checks) plus the configured hours, fractions included.
 */
const INSERT_REQUEST = `INSERT INTO recovery_requests
       (reference, status_token_hash, email, name, license_number, license_key, order_number,
        channel, store, country, purchased_on, reason, desired_outcome, details, locale, typed, client_ip,
        mailbox, client_network, first_response_due_at, resolution_due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
             now() + make_interval(secs => $20::float8 * 3600), now() + make_interval(secs => $21::float8 * 3600))
     RETURNING id, reference, status, verdict`;

function requestParams(row: RequestWrite): unknown[] {
  return [
    row.reference,
    row.statusTokenHash,
    row.email,
    row.name,
    row.licenseNumber,
    row.licenseKey,
    row.orderNumber,
    row.channel,
    row.store,
    row.country,
    row.purchasedOn,
    row.reason,
    row.desiredOutcome,
    row.details,
    row.locale,
    JSON.stringify(row.typed),
    row.clientIp,
    normaliseMailbox(row.email),
    clientNetwork(row.clientIp),
    row.dueHours.firstResponse,
    row.dueHours.resolution,
  ];
}

export async function insertRequest(tx: Queryable, row: RequestWrite): Promise<number> {
  const [inserted] = await tx.query<{ id: number }>(INSERT_REQUEST, requestParams(row));
  return inserted!.id;
}

/**
 * A filed request (status `received`) with everything filing it causes: its `received` event,
 * its acknowledgement email, the email's and the match's jobs in the outbox, and its
 * request.filed webhook deliveries with their jobs (webhooks.repository.ts). One statement,
 * so one round trip to the database and atomic by itself: intake waits on the database once.
 */
export async function insertFiledRequest(
  q: Queryable,
  row: RequestWrite,
  event: Record<string, unknown>,
  email: Omit<EmailWrite, 'request_id'>,
  /** The hash of the reply token the email's reply address holds; null without INBOUND_DOMAIN. */
  replyTokenHash: string | null,
): Promise<number> {
  const params = requestParams(row);
  const param = (value: unknown) => `$${params.push(value)}`;
  const eventData = param(JSON.stringify(event));
  const replyHash = param(replyTokenHash);
  const e = emailColumns(email, params.length + 1);
  params.push(...e.values);
  const jobs = insertOutboxJobsFrom(
    [
      { job: 'send-email', from: 'em' },
      { job: 'match', from: 'r' },
    ],
    params,
  );
  const webhooks = insertDeliveriesFrom(
    'r',
    'request.filed',
    { approvalId: null, decision: null, licenseNumber: null },
    params,
  );
  const [inserted] = await q.query<{ id: number }>(
    `WITH r AS (${INSERT_REQUEST}),
     ev AS (
       INSERT INTO request_events (request_id, actor, type, data)
       SELECT id, 'customer', 'received', ${eventData}::jsonb FROM r),
     em AS (
       INSERT INTO emails (request_id, ${e.columns}) SELECT id, ${e.placeholders} FROM r RETURNING id),
     rt AS (${insertReplyTokenFrom('r', replyHash)}),
     jobs AS (${jobs}),
     ${webhooks}
     SELECT id FROM r`,
    params,
  );
  return inserted!.id;
}

export async function findByReference(
  db: Queryable,
  reference: string,
): Promise<RecoveryRequestRow | undefined> {
  const [row] = await db.query<RecoveryRequestRow>('SELECT * FROM recovery_requests WHERE reference = $1', [
    reference,
  ]);
  return row;
}

/** Whether `token` is one of the further status tokens issued for this request (request_status_tokens). */
export async function hasStatusToken(db: Queryable, requestId: number, token: string): Promise<boolean> {
  const rows = await db.query(
    'SELECT 1 FROM request_status_tokens WHERE request_id = $1 AND token_hash = $2',
    [requestId, hashToken(token)],
  );
  return rows.length > 0;
}

/** The names of the files sent with the form (those sent with answers are named in their events). */
export async function intakeAttachmentNames(db: Queryable, requestId: number): Promise<string[]> {
  // Filed in one transaction with the request, so they share its now().
  const rows = await db.query<{ original_name: string }>(
    `SELECT a.original_name FROM attachments a JOIN recovery_requests r ON r.id = a.request_id
      WHERE a.request_id = $1 AND a.created_at = r.created_at ORDER BY a.id`,
    [requestId],
  );
  return rows.map((r) => r.original_name);
}

export async function insertStatusToken(tx: Queryable, requestId: number, tokenHash: string): Promise<void> {
  await tx.query('INSERT INTO request_status_tokens (request_id, token_hash) VALUES ($1, $2)', [
    requestId,
    tokenHash,
  ]);
}

export async function countRequestsByStatus(db: Queryable): Promise<{ status: string; n: number }[]> {
  return db.query('SELECT status, count(*)::int AS n FROM recovery_requests GROUP BY status');
}

export async function findById(db: Queryable, id: number): Promise<RecoveryRequestRow | undefined> {
  const [row] = await db.query<RecoveryRequestRow>('SELECT * FROM recovery_requests WHERE id = $1', [id]);
  return row;
}

/** Marks a request as the follow-up of an older, closed one (an email reply to it, README "Email replies"). */
export async function linkFollowUp(tx: Queryable, id: number, originalId: number): Promise<void> {
  await tx.query('UPDATE recovery_requests SET follow_up_of = $2 WHERE id = $1', [id, originalId]);
}
