import type { User } from '../auth/user.ts';
import type { Queryable } from '../db/db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { normaliseReference } from '../requests/reference.ts';
import type { DecisionDeps } from './decision-context.ts';
import { heldBy } from './decisions.service.ts';
import { setClaim } from './decisions.repository.ts';
import { requireDeskWorker } from '../auth/roles.ts';
import { insertEvent } from '../history/history.repository.ts';
import { notify } from '../notifications/notifications.service.ts';
import { lockTicket, type LockedTicket } from '../requests/status.repository.ts';

export interface ClaimState {
  reference: string;
  status: string;
  claimed_by: string | null;
  claimed_at: Date | null;
}

const CLOSED = ['resolved', 'rejected'];

/**
 * Claims a request (README, Decisions: one owner at a time). Claiming one's own claim again changes
 * nothing; a request someone else holds answers 409 naming them, unless `takeover` is asked for,
 * which the history records with the previous holder, who is notified (`taken_over`).
 */
export async function claimTicket(
  deps: Pick<DecisionDeps, 'db' | 'config' | 'relay'>,
  actor: User,
  referenceInput: string,
  options: { takeover?: boolean } = {},
): Promise<ClaimState> {
  requireDeskWorker(actor);
  let notified = 0;
  const state = await withLockedTicket(deps, referenceInput, async (tx, ticket) => {
    if (CLOSED.includes(ticket.status))
      throw new ConflictError(`${ticket.reference} is ${ticket.status}: there is nothing left to claim.`);
    if (ticket.claimed_by === actor.id) return stateOf(ticket);
    if (ticket.claimed_by !== null && !options.takeover)
      throw new ConflictError(
        heldBy(ticket, 'take it over only if you must (the history records it, naming them)'),
      );
    await setClaim(tx, ticket.id, actor.id);
    await insertEvent(tx, {
      requestId: ticket.id,
      actor: actor.email,
      type: ticket.claimed_by === null ? 'claimed' : 'taken_over',
      data: ticket.claimed_by === null ? {} : { from: ticket.claimed_by_email },
    });
    if (ticket.claimed_by !== null)
      notified = await notify(tx, deps.config, {
        kind: 'taken_over',
        to: { userIds: [ticket.claimed_by] },
        actorId: actor.id,
        request: ticket,
        data: { by: actor.email },
      });
    return {
      reference: ticket.reference,
      status: ticket.status,
      claimed_by: actor.email,
      claimed_at: new Date(),
    };
  });
  if (notified > 0) deps.relay.wake(); // the previous holder's email, if they chose one
  return state;
}

/** Gives a request back to the queue. Only its holder may; releasing an unclaimed request changes nothing. */
export async function releaseTicket(
  deps: Pick<DecisionDeps, 'db'>,
  actor: User,
  referenceInput: string,
): Promise<ClaimState> {
  requireDeskWorker(actor);
  return withLockedTicket(deps, referenceInput, async (tx, ticket) => {
    if (ticket.claimed_by === null) return stateOf(ticket);
    if (ticket.claimed_by !== actor.id)
      throw new ConflictError(heldBy(ticket, 'only its holder can release it'));
    await setClaim(tx, ticket.id, null);
    await insertEvent(tx, { requestId: ticket.id, actor: actor.email, type: 'released' });
    return { reference: ticket.reference, status: ticket.status, claimed_by: null, claimed_at: null };
  });
}

async function withLockedTicket<T>(
  deps: Pick<DecisionDeps, 'db'>,
  referenceInput: string,
  fn: (tx: Queryable, ticket: LockedTicket) => Promise<T>,
): Promise<T> {
  const reference = normaliseReference(referenceInput);
  if (!reference) throw new NotFoundError('No request has this reference.');
  return deps.db.transaction(async (tx) => {
    const ticket = await lockTicket(tx, reference);
    if (!ticket) throw new NotFoundError('No request has this reference.');
    return fn(tx, ticket);
  });
}

function stateOf(ticket: LockedTicket): ClaimState {
  return {
    reference: ticket.reference,
    status: ticket.status,
    claimed_by: ticket.claimed_by_email,
    claimed_at: ticket.claimed_at,
  };
}
