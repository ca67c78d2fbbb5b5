import type { Queryable } from '../db/db.ts';
import { insertDeliveries } from './webhooks.repository.ts';

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
 * One statement (webhooks.repository.ts); with no endpoint listening it writes nothing. Filing a
 * request emits request.filed inside its own single statement instead (insertFiledRequest).
 */
export async function emitWebhook(tx: Queryable, type: WebhookEvent, subject: WebhookSubject): Promise<void> {
  await insertDeliveries(tx, type, subject.requestId === undefined ? [] : [subject.requestId].flat(), {
    approvalId: subject.approvalId ?? null,
    decision: subject.decision ?? null,
    licenseNumber: subject.licenseNumber ?? null,
  });
}
