import { createHash } from 'node:crypto';
import type { User } from '../auth/user.ts';
import { AppError, ForbiddenError } from '../errors.ts';
import { hasRole } from '../auth/roles.ts';
import { normaliseReference } from '../requests/reference.ts';
import { bulkSchema, type BulkAction } from './bulk.schema.ts';
import { assignTicket, releaseTicket } from './claims.service.ts';
import type { DecisionDeps } from './decision-context.ts';
import { parseOrThrow } from './decisions.schema.ts';
import { decide } from './decisions.service.ts';

/** What came of one request of a bulk action. */
export interface BulkResult {
  reference: string;
  /** `done`: acted (or, on a repeat with the same key, had already acted); `refused`: a rule said no. */
  outcome: 'done' | 'refused';
  /** The rule's sentence when refused; what was done otherwise. */
  message: string;
  /** The HTTP status the same action on this request alone would have answered. */
  status: number;
}

/**
 * One action on many requests (README, Bulk actions): each request is its own action, in its own
 * transaction, with its own history event, exactly as if it had been done on its own; one refused
 * request stops none of the others. With an idempotency key, each request's reject is keyed by it
 * and the reference, so a repeated bulk action acts once per request.
 */
export async function bulkAct(
  deps: DecisionDeps,
  actor: User,
  input: unknown,
  idempotencyKey?: string,
): Promise<BulkResult[]> {
  const { references, action } = parseOrThrow(bulkSchema, input);
  // Refused as a whole, not row by row: nothing in it could be done.
  if (action.type === 'assign' && !hasRole(actor, 'supervisor'))
    throw new ForbiddenError('Only a supervisor may assign requests.');
  const unique = [...new Set(references.map((r) => normaliseReference(r) ?? r.trim()))];
  const results: BulkResult[] = [];
  for (const reference of unique) {
    try {
      const message = await actOn(deps, actor, reference, action, idempotencyKey);
      results.push({ reference, outcome: 'done', message, status: 200 });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      results.push({ reference, outcome: 'refused', message: error.message, status: error.status });
    }
  }
  return results;
}

async function actOn(
  deps: DecisionDeps,
  actor: User,
  reference: string,
  action: BulkAction,
  idempotencyKey: string | undefined,
): Promise<string> {
  switch (action.type) {
    case 'assign': {
      const state = await assignTicket(deps, actor, reference, action.to);
      return `assigned to ${state.claimed_by}`;
    }
    case 'release':
      await releaseTicket(deps, actor, reference);
      return 'released';
    case 'reject': {
      const { type, reason, message } = action;
      // One key per request, within the 200 characters a key may have.
      const key = idempotencyKey
        ? `bulk:${createHash('sha256').update(`${idempotencyKey}\n${reference}`).digest('base64url')}`
        : undefined;
      await decide(deps, actor, reference, { type, reason, ...(message ? { message } : {}) }, key);
      return `rejected (${reason.replace(/_/g, ' ')})`;
    }
  }
}
