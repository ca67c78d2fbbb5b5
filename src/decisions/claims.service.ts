import type { User } from '../auth/user.ts';
import type { Queryable } from '../db/db.ts';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { findActiveUserByEmail } from '../auth/users.service.ts';
import { normaliseReference } from '../requests/reference.ts';
import type { DecisionDeps } from './decision-context.ts';
import { heldBy } from './decisions.service.ts';
import { setClaim } from './decisions.repository.ts';
import { hasRole, requireDeskWorker } from '../auth/roles.ts';
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
      notified = await tell(tx, deps, 'taken_over', ticket.claimed_by, actor, ticket);
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

/**
 * Gives a request back to the queue. Its holder may, and a supervisor may release anyone's (the
 * history names whose it was); releasing an unclaimed request changes nothing.
 */
export async function releaseTicket(
  deps: Pick<DecisionDeps, 'db'>,
  actor: User,
  referenceInput: string,
): Promise<ClaimState> {
  requireDeskWorker(actor);
  return withLockedTicket(deps, referenceInput, async (tx, ticket) => {
    if (ticket.claimed_by === null) return stateOf(ticket);
    const own = ticket.claimed_by === actor.id;
    if (!own && !hasRole(actor, 'supervisor'))
      throw new ConflictError(heldBy(ticket, 'only its holder or a supervisor can release it'));
    await setClaim(tx, ticket.id, null);
    await insertEvent(tx, {
      requestId: ticket.id,
      actor: actor.email,
      type: 'released',
      data: own ? {} : { from: ticket.claimed_by_email },
    });
    return { reference: ticket.reference, status: ticket.status, claimed_by: null, claimed_at: null };
  });
}

/**
 * A supervisor gives a request to a technician (README, Assignment): it becomes theirs as if they
 * had claimed it, from whoever held it; they are notified. Assigning it to its holder changes
 * nothing. Only open requests, and only to an enabled desk user.
 */
export async function assignTicket(
  deps: Pick<DecisionDeps, 'db' | 'config' | 'relay'>,
  actor: User,
  referenceInput: string,
  assigneeEmail: string,
): Promise<ClaimState> {
  if (!hasRole(actor, 'supervisor')) throw new ForbiddenError('Only a supervisor may assign requests.');
  const assignee = await findActiveUserByEmail(deps.db, assigneeEmail);
  if (!assignee)
    throw new AppError('validation_failed', 422, `No enabled desk user has the address ${assigneeEmail}.`);
  let notified = 0;
  const state = await withLockedTicket(deps, referenceInput, async (tx, ticket) => {
    if (CLOSED.includes(ticket.status))
      throw new ConflictError(`${ticket.reference} is ${ticket.status}: there is nothing left to assign.`);
    if (ticket.claimed_by === assignee.id) return stateOf(ticket);
    await setClaim(tx, ticket.id, assignee.id);
    await insertEvent(tx, {
      requestId: ticket.id,
      actor: actor.email,
      type: 'assigned',
      data: { to: assignee.email, ...(ticket.claimed_by_email ? { from: ticket.claimed_by_email } : {}) },
    });
    // The assignee is told; a previous holder other than the supervisor, that it was taken over.
    notified = await tell(tx, deps, 'assigned', assignee.id, actor, ticket);
    if (ticket.claimed_by !== null)
      notified += await tell(tx, deps, 'taken_over', ticket.claimed_by, actor, ticket);
    return {
      reference: ticket.reference,
      status: ticket.status,
      claimed_by: assignee.email,
      claimed_at: new Date(),
    };
  });
  if (notified > 0) deps.relay.wake();
  return state;
}

/** Tells one desk user that `actor` gave them, or took from them, the request: how many were told. */
function tell(
  tx: Queryable,
  deps: Pick<DecisionDeps, 'config'>,
  kind: 'assigned' | 'taken_over',
  userId: number,
  actor: User,
  ticket: LockedTicket,
): Promise<number> {
  return notify(tx, deps.config, {
    kind,
    to: { userIds: [userId] },
    actorId: actor.id,
    request: ticket,
    data: { by: actor.email },
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
