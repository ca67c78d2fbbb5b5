import type { Queryable } from '../db/db.ts';
import { insertOutboxJobsFrom } from '../outbox/outbox.repository.ts';

/** Every event a webhook endpoint may ask for (SPEC §14, README "Webhooks"). */
export const WEBHOOK_EVENTS = [
  'request.filed',
  'request.matched',
  'request.resolved',
  'request.rejected',
  'approval.requested',
  'approval.decided',
  'purchase.refunded',
  'license.code_replaced',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * What an event is about. Its payload's `data` takes the request's reference, status and verdict
 * from its row, and these ids: never a code, a token, an email address or free text.
 */
export interface WebhookSubject {
  requestId?: number | readonly number[];
  /** An approval: its request is the event's request when requestId is not given. */
  approvalId?: number;
  /** approval.decided: approved or rejected. */
  decision?: string;
  /** purchase.refunded and license.code_replaced: the shop's own licence number (not a secret). */
  licenseNumber?: string;
}

/**
 * Records `type` for every enabled endpoint that asked for it, one delivery each with its job in
 * the outbox, in the caller's transaction: the event exists if and only if the change commits.
 * One statement; with no endpoint listening it writes nothing.
 */
export async function emitWebhook(tx: Queryable, type: WebhookEvent, subject: WebhookSubject): Promise<void> {
  const requestIds = subject.requestId === undefined ? [] : [subject.requestId].flat();
  const params: unknown[] = [
    type,
    requestIds,
    subject.approvalId ?? null,
    subject.decision ?? null,
    subject.licenseNumber ?? null,
  ];
  await tx.query(
    `WITH ev AS (
       SELECT r.id AS request_id, gen_random_uuid() AS event_id,
              jsonb_strip_nulls(jsonb_build_object(
                'reference', r.reference, 'request_status', r.status, 'verdict', r.verdict,
                'approval_id', $3::bigint, 'decision', $4::text, 'license_number', $5::text)) AS data
         FROM recovery_requests r
        WHERE r.id = ANY($2::bigint[])
           OR ($3::bigint IS NOT NULL AND cardinality($2::bigint[]) = 0
               AND r.id = (SELECT request_id FROM approvals WHERE id = $3::bigint))
     ), d AS (
       INSERT INTO webhook_deliveries (endpoint_id, request_id, event_type, payload)
       SELECT e.id, ev.request_id, $1::text,
              jsonb_build_object('id', ev.event_id, 'type', $1::text,
                'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'data', ev.data)
         FROM ev JOIN webhook_endpoints e ON e.enabled AND $1::text = ANY (e.events)
        ORDER BY ev.request_id, e.id
       RETURNING id
     )
     ${insertOutboxJobsFrom([{ job: 'webhook-delivery', from: 'd' }], params)}`,
    params,
  );
}
