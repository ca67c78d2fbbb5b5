import type { Queryable } from '../db/db.ts';
import { insertOutboxJobsFrom } from '../outbox/outbox.repository.ts';
import type { WebhookEvent } from './webhook-events.ts';

export interface EndpointRow {
  id: number;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  created_at: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: number;
  endpoint_id: number;
  event_type: string;
  payload: unknown;
  status: DeliveryStatus;
  created_at: Date;
  attempts: number;
  last_response_status: number | null;
  finished_at: Date | null;
}

/** What an event says beyond its request's reference, status and verdict (ids, never free text). */
export interface EventFacts {
  approvalId: number | null;
  decision: string | null;
  licenseNumber: string | null;
}

/**
 * CTEs for a statement's WITH list (the one source of the deliveries' SQL): one delivery of
 * `type` for each row of `requests` (a relation with recovery_requests' `id, reference, status,
 * verdict`: the table filtered, or a CTE that inserts a request `RETURNING` them) and each enabled
 * endpoint that asked for it, in request then endpoint order, each with its webhook-delivery job in
 * the outbox. With no endpoint listening they write nothing. Parameters are appended to `params`;
 * the CTEs are named `${name}_ev`, `${name}_d` and `${name}_jobs`.
 */
export function insertDeliveriesFrom(
  requests: string,
  type: WebhookEvent,
  facts: EventFacts,
  params: unknown[],
  name = 'wh',
): string {
  const param = (value: unknown) => `$${params.push(value)}`;
  const t = `${param(type)}::text`;
  const data = `jsonb_strip_nulls(jsonb_build_object(
                'reference', q.reference, 'request_status', q.status, 'verdict', q.verdict,
                'approval_id', ${param(facts.approvalId)}::bigint, 'decision', ${param(facts.decision)}::text,
                'license_number', ${param(facts.licenseNumber)}::text))`;
  return `${name}_ev AS (
       SELECT q.id AS request_id, gen_random_uuid() AS event_id, ${data} AS data FROM ${requests} q),
     ${name}_d AS (
       INSERT INTO webhook_deliveries (endpoint_id, request_id, event_type, payload)
       SELECT e.id, ev.request_id, ${t},
              jsonb_build_object('id', ev.event_id, 'type', ${t},
                'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'data', ev.data)
         FROM ${name}_ev ev JOIN webhook_endpoints e ON e.enabled AND ${t} = ANY (e.events)
        ORDER BY ev.request_id, e.id
       RETURNING id),
     ${name}_jobs AS (${insertOutboxJobsFrom([{ job: 'webhook-delivery', from: `${name}_d` }], params)})`;
}

/**
 * Records `type` for the given requests (or, with none, the approval's request) as
 * insertDeliveriesFrom says, on `tx`: the caller's transaction, so the event exists if and only if
 * the change commits. One statement.
 */
export async function insertDeliveries(
  tx: Queryable,
  type: WebhookEvent,
  requestIds: readonly number[],
  facts: EventFacts,
): Promise<void> {
  const params: unknown[] = [requestIds, facts.approvalId];
  const requests = `(SELECT id, reference, status, verdict FROM recovery_requests
      WHERE id = ANY($1::bigint[])
         OR ($2::bigint IS NOT NULL AND cardinality($1::bigint[]) = 0
             AND id = (SELECT request_id FROM approvals WHERE id = $2::bigint)))`;
  await tx.query(`WITH ${insertDeliveriesFrom(requests, type, facts, params)} SELECT 1`, params);
}

const ENDPOINT = 'id::int, url, events, description, enabled, created_at';

export async function insertEndpoint(
  tx: Queryable,
  e: { url: string; events: readonly string[]; description: string; secretEnc: string; createdBy: number },
): Promise<EndpointRow> {
  const [row] = await tx.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (url, events, description, secret_enc, created_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${ENDPOINT}`,
    [e.url, e.events, e.description, e.secretEnc, e.createdBy],
  );
  return row!;
}

export function listEndpoints(db: Queryable): Promise<EndpointRow[]> {
  return db.query<EndpointRow>(`SELECT ${ENDPOINT} FROM webhook_endpoints ORDER BY id`);
}

export async function endpointById(db: Queryable, id: number): Promise<EndpointRow | undefined> {
  const [row] = await db.query<EndpointRow>(`SELECT ${ENDPOINT} FROM webhook_endpoints WHERE id = $1`, [id]);
  return row;
}

export async function setEndpointEnabled(db: Queryable, id: number, enabled: boolean): Promise<boolean> {
  const rows = await db.query('UPDATE webhook_endpoints SET enabled = $2 WHERE id = $1 RETURNING id', [
    id,
    enabled,
  ]);
  return rows.length > 0;
}

/** Deletes the endpoint and its delivery log. */
export async function deleteEndpoint(tx: Queryable, id: number): Promise<EndpointRow | undefined> {
  const [row] = await tx.query<EndpointRow>(
    `DELETE FROM webhook_endpoints WHERE id = $1 RETURNING ${ENDPOINT}`,
    [id],
  );
  return row;
}

/** One delivery as its job needs it: what to send where, and whether an earlier one must go first. */
export interface DeliveryToSend {
  id: number;
  status: DeliveryStatus;
  payload: unknown;
  url: string;
  secret_enc: string;
  /** Seconds since the retry window began (creation or the last "Send again"). */
  age_seconds: number;
  /** An earlier delivery for the same request and endpoint still pending. */
  earlier_pending: number | null;
}

export async function deliveryToSend(db: Queryable, id: number): Promise<DeliveryToSend | undefined> {
  const [row] = await db.query<DeliveryToSend>(
    `SELECT d.id::int, d.status, d.payload, e.url, e.secret_enc,
            extract(epoch FROM now() - d.retry_from)::float8 AS age_seconds,
            (SELECT p.id::int FROM webhook_deliveries p
              WHERE p.endpoint_id = d.endpoint_id AND p.request_id = d.request_id
                AND p.status = 'pending' AND p.id < d.id
              ORDER BY p.id LIMIT 1) AS earlier_pending
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.id = $1`,
    [id],
  );
  return row;
}

export interface Attempt {
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Records an attempt and the delivery's state after it. A delivery that is done (delivered or
 * failed) hands the next pending one for the same request and endpoint its job at once, so the
 * order holds without waiting for that one's backoff.
 */
export async function recordAttempt(tx: Queryable, id: number, attempt: Attempt, status: DeliveryStatus) {
  await tx.query(
    'INSERT INTO webhook_attempts (delivery_id, response_status, error, duration_ms) VALUES ($1, $2, $3, $4)',
    [id, attempt.responseStatus, attempt.error, attempt.durationMs],
  );
  await tx.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, last_response_status = $2, status = $3,
            finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
      WHERE id = $1`,
    [id, attempt.responseStatus, status],
  );
  if (status === 'pending') return;
  const params: unknown[] = [id];
  await tx.query(
    `WITH next AS (
       SELECT n.id FROM webhook_deliveries d JOIN webhook_deliveries n
           ON n.endpoint_id = d.endpoint_id AND n.request_id = d.request_id AND n.status = 'pending' AND n.id > d.id
        WHERE d.id = $1 ORDER BY n.id LIMIT 1)
     ${insertOutboxJobsFrom([{ job: 'webhook-delivery', from: 'next' }], params)}`,
    params,
  );
}

/** "Send again": the same delivery pending again, its retry window restarted, its job in the outbox. */
export async function resendDelivery(tx: Queryable, endpointId: number, id: number): Promise<boolean> {
  const params: unknown[] = [id, endpointId];
  const rows = await tx.query(
    `WITH again AS (
       UPDATE webhook_deliveries SET status = 'pending', retry_from = now(), finished_at = NULL
        WHERE id = $1 AND endpoint_id = $2 RETURNING id)
     ${insertOutboxJobsFrom([{ job: 'webhook-delivery', from: 'again' }], params)} RETURNING id`,
    params,
  );
  return rows.length > 0;
}

export interface AttemptRow {
  delivery_id: number;
  at: Date;
  response_status: number | null;
  error: string | null;
  duration_ms: number;
}

/** The endpoint's newest deliveries, with their attempts. */
export async function recentDeliveries(db: Queryable, endpointId: number, limit: number) {
  const deliveries = await db.query<DeliveryRow>(
    `SELECT id::int, endpoint_id::int, event_type, payload, status, created_at, attempts,
            last_response_status, finished_at
       FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2`,
    [endpointId, limit],
  );
  const attempts = await db.query<AttemptRow>(
    `SELECT delivery_id::int, at, response_status, error, duration_ms FROM webhook_attempts
      WHERE delivery_id = ANY($1::bigint[]) ORDER BY id`,
    [deliveries.map((d) => d.id)],
  );
  return deliveries.map((d) => ({ ...d, attempt_log: attempts.filter((a) => a.delivery_id === d.id) }));
}
