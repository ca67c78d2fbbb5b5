import { createHash } from 'node:crypto';
import { requireDeskWorker } from '../auth/roles.ts';
import type { User } from '../auth/user.ts';
import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import { normaliseReference } from '../requests/reference.ts';
import { saveDecisionKey, takeDecisionKey } from './approvals.repository.ts';
import { decisionContext, type DecisionContext, type DecisionDeps } from './decision-context.ts';
import { decisionSchema, parseOrThrow, type Decision } from './decisions.schema.ts';
import { setClaim } from './decisions.repository.ts';
import { proposeRefund, reissue, reject, requestInfo, type DecisionAnswer } from './outcomes.ts';
import { insertEvent } from '../history/history.repository.ts';
import { lockTicket, type LockedTicket } from '../requests/status.repository.ts';

export type { DecisionAnswer };

/** States each decision may start from; anything else means someone already acted (409). */
const DECIDABLE: Record<Decision['type'], readonly string[]> = {
  reissue: ['triage'],
  refund: ['triage'],
  request_info: ['triage'],
  // A customer who never answers can still be closed.
  reject: ['triage', 'waiting_on_customer'],
};

/**
 * A technician's decision on a request (SPEC §5, §7), in one transaction: the state change, its
 * history event, its rendered emails and their send jobs, or none of it. The request row is
 * locked first, so of two decisions at once the second finds the request already decided (409).
 * With an Idempotency-Key, a repeat returns the first answer and acts no more.
 * An unclaimed request is claimed for the decider on the way (recorded in the history);
 * one claimed by someone else must be taken over first.
 */
export async function decide(
  deps: DecisionDeps,
  actor: User,
  referenceInput: string,
  input: unknown,
  idempotencyKey?: string,
): Promise<DecisionAnswer> {
  requireDeskWorker(actor);
  const decision = parseOrThrow(decisionSchema, input);
  const reference = normaliseReference(referenceInput);
  if (!reference) throw new NotFoundError('No request has this reference.');
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([reference, decision]))
    .digest('hex');
  const answer = await deps.db.transaction(async (tx) => {
    if (idempotencyKey) {
      const earlier = await takeDecisionKey(tx, actor.id, idempotencyKey, fingerprint);
      if (earlier && earlier.fingerprint !== fingerprint)
        throw new AppError(
          'idempotency_key_reused',
          422,
          'This Idempotency-Key was used for a different decision; use a new key.',
        );
      if (earlier) return { httpStatus: earlier.http_status as 200 | 202, body: earlier.response };
    }
    const ticket = await lockTicket(tx, reference);
    if (!ticket) throw new NotFoundError('No request has this reference.');
    const ctx = decisionContext(tx, deps, actor, ticket);
    await holdClaim(ctx);
    if (!DECIDABLE[decision.type].includes(ticket.status))
      throw new ConflictError(
        `${ticket.reference} is ${ticket.status}: a ${decision.type} decision needs it in ${DECIDABLE[decision.type].join(' or ')}.`,
      );
    const done = await apply(ctx, decision);
    if (idempotencyKey) await saveDecisionKey(tx, actor.id, idempotencyKey, done);
    return done;
  });
  deps.relay.wake();
  return answer;
}

function apply(ctx: DecisionContext, decision: Decision): Promise<DecisionAnswer> {
  switch (decision.type) {
    case 'reissue':
      return reissue(ctx, decision);
    case 'refund':
      return proposeRefund(ctx, decision);
    case 'request_info':
      return requestInfo(ctx, decision);
    case 'reject':
      return reject(ctx, decision);
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
  const since = ticket.claimed_at ? ` since ${ticket.claimed_at.toISOString()}` : '';
  return `${ticket.reference} is claimed by ${ticket.claimed_by_email}${since}: ${advice}.`;
}
