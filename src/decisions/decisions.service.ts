import { utcMinute } from '../time-text.ts';
import { createHash } from 'node:crypto';
import { requireDeskWorker } from '../auth/roles.ts';
import type { User } from '../auth/user.ts';
import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import { normaliseReference } from '../requests/reference.ts';
import { saveDecisionKey, takeDecisionKey } from './approvals.repository.ts';
import {
  decisionContext,
  ticketLocale,
  type DecisionContext,
  type DecisionDeps,
} from './decision-context.ts';
import {
  decisionRequestSchema,
  DECISION_TYPES,
  parseOrThrow,
  type Decision,
  type DecisionType,
} from './decisions.schema.ts';
import { withMacro, type UsedMacro } from './macros.service.ts';
import { setClaim } from './decisions.repository.ts';
import { proposeRefund, reissue, reject, requestInfo, type DecisionOutcome } from './outcomes.ts';
import { insertEvent } from '../history/history.repository.ts';
import type { RequestStatus } from '../requests/request-status.ts';
import { lockTicket, type LockedTicket } from '../requests/status.repository.ts';

export type { DecisionOutcome };

/** States each decision may start from; anything else means someone already acted (409). */
const DECIDABLE: Record<DecisionType, readonly RequestStatus[]> = {
  reissue: ['triage'],
  refund: ['triage'],
  request_info: ['triage'],
  // A customer who never answers can still be closed.
  reject: ['triage', 'waiting_on_customer'],
};

export function canStartIn(type: DecisionType, status: string): boolean {
  return (DECIDABLE[type] as readonly string[]).includes(status);
}

/** The decisions a request in this status can take, in DECISION_TYPES order: the console offers these. */
export function decisionsOpenIn(status: string): DecisionType[] {
  return DECISION_TYPES.filter((type) => canStartIn(type, status));
}

/**
 * A technician's decision on a request (README, Decisions), in one transaction: the state change, its
 * history event, its rendered emails and their send jobs, or none of it. The request row is
 * locked first, so of two decisions at once the second finds the request already decided (409).
 * With an Idempotency-Key, a repeat returns the first outcome and acts no more. A body naming a
 * macro takes its text and reason (macros.service.ts `withMacro`), and the history records it.
 * An unclaimed request is claimed for the decider on the way (recorded in the history);
 * one claimed by someone else must be taken over first.
 */
export async function decide(
  deps: DecisionDeps,
  actor: User,
  referenceInput: string,
  input: unknown,
  idempotencyKey?: string,
): Promise<DecisionOutcome> {
  requireDeskWorker(actor);
  const request = parseOrThrow(decisionRequestSchema, input);
  const reference = normaliseReference(referenceInput);
  if (!reference) throw new NotFoundError('No request has this reference.');
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([reference, request]))
    .digest('hex');
  const outcome = await deps.db.transaction(async (tx) => {
    if (idempotencyKey) {
      const earlier = await takeDecisionKey(tx, actor.id, idempotencyKey, fingerprint);
      if (earlier && earlier.fingerprint !== fingerprint)
        throw new AppError(
          'idempotency_key_reused',
          422,
          'This Idempotency-Key was used for a different decision; use a new key.',
        );
      if (earlier) return earlier.outcome;
    }
    const ticket = await lockTicket(tx, reference);
    if (!ticket) throw new NotFoundError('No request has this reference.');
    const { decision, macro } = await withMacro(tx, request, ticketLocale(ticket), ticket);
    const ctx = decisionContext(tx, deps, actor, ticket);
    await holdClaim(ctx);
    if (!canStartIn(decision.type, ticket.status))
      throw new ConflictError(
        `${ticket.reference} is ${ticket.status}: a ${decision.type} decision needs it in ${DECIDABLE[decision.type].join(' or ')}.`,
      );
    const done = await apply(ctx, decision, macro);
    if (idempotencyKey) await saveDecisionKey(tx, actor.id, idempotencyKey, done);
    return done;
  });
  deps.relay.wake();
  return outcome;
}

function apply(ctx: DecisionContext, decision: Decision, macro?: UsedMacro): Promise<DecisionOutcome> {
  switch (decision.type) {
    case 'reissue':
      return reissue(ctx, decision);
    case 'refund':
      return proposeRefund(ctx, decision);
    case 'request_info':
      return requestInfo(ctx, decision, macro);
    case 'reject':
      return reject(ctx, decision, macro);
  }
}

/** The decider must hold the request; an unclaimed one becomes theirs. */
async function holdClaim(ctx: DecisionContext): Promise<void> {
  const { ticket, actor } = ctx;
  if (ticket.claimed_by === actor.id) return;
  if (ticket.claimed_by !== null) throw new ConflictError(heldBy(ticket, 'claim it first (take it over)'));
  await setClaim(ctx.tx, ticket.id, actor.id);
  await insertEvent(ctx.tx, {
    requestId: ticket.id,
    actor: actor.email,
    type: 'claimed',
    data: { auto: true },
  });
}

export function heldBy(ticket: LockedTicket, advice: string): string {
  const since = ticket.claimed_at ? ` since ${utcMinute(ticket.claimed_at)}` : '';
  return `${ticket.reference} is claimed by ${ticket.claimed_by_email}${since}: ${advice}.`;
}
