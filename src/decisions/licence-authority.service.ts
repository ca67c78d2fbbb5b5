import type { Role } from '../auth/user.ts';
import { insertEvent } from '../history/history.repository.ts';
import {
  callAuthority,
  type AuthorityCallBody,
  type AuthorityCallKind,
} from '../integrations/licence-authority.ts';
import {
  findAuthorityCall,
  finishAuthorityCall,
  insertAuthorityCall,
  recordAuthorityTry,
  type AuthorityCallRow,
} from '../integrations/licence-authority.repository.ts';
import { lockTicketById, moveTicket } from '../requests/status.repository.ts';
import { notify } from '../notifications/notifications.service.ts';
import { lockApproval } from './approvals.repository.ts';
import { codeIsKnown, sendCode } from './code-delivery.ts';
import {
  AUTO_ACTOR,
  decisionContext,
  type DecisionActor,
  type DecisionContext,
  type DecisionDeps,
} from './decision-context.ts';
import { lockPurchase, type LockedPurchase } from './decisions.repository.ts';

/** Whether the desk asks the vendor's licensing system for codes and reports to it (README "Licence authority"). */
export function hasLicenceAuthority(ctx: Pick<DecisionContext, 'deps'>): boolean {
  return ctx.deps.config.licenceAuthority !== undefined;
}

/**
 * A replacement code asked of the licensing system instead of drawn here: the call and its job in
 * this transaction, and the request waits (pending_approval, "waiting for the licensing system")
 * until the job brings the code (`carryOutAuthorityCall`).
 */
export async function askForReplacement(
  ctx: DecisionContext,
  purchase: LockedPurchase,
  approvalId: number | null,
): Promise<void> {
  await insertAuthorityCall(ctx.tx, {
    kind: 'replacement',
    requestId: ctx.ticket.id,
    purchaseId: purchase.id,
    approvalId,
    decidedBy: ctx.actor.id,
  });
  await insertEvent(ctx.tx, {
    requestId: ctx.ticket.id,
    actor: ctx.actor.email,
    type: 'replacement_requested',
    data: approvalId ? { approval_id: approvalId } : {},
  });
  // Not a response: the customer hears nothing until the code goes out.
  await moveTicket(ctx.tx, ctx.ticket.id, 'pending_approval', false);
}

/** A refund reported to the licensing system, if there is one, in the refund's transaction. */
export async function reportRefund(
  ctx: DecisionContext,
  purchaseId: number,
  approvalId: number,
): Promise<void> {
  if (!hasLicenceAuthority(ctx)) return;
  await insertAuthorityCall(ctx.tx, {
    kind: 'refund',
    requestId: ctx.ticket.id,
    purchaseId,
    approvalId,
    decidedBy: ctx.actor.id,
    reason: 'refunded',
  });
}

export type AuthorityCallResult = 'already_finished' | 'done' | 'code_stored' | 'refused';

/** The job ran for a call that is not there (a bad payload): nothing to retry. */
export class MissingAuthorityCallError extends Error {}

/** The authority did not answer (down, slow, 5xx, 408, 429): the job retries with the same key. */
export class AuthorityUnreachableError extends Error {}

/**
 * The `licence-authority` job: one signed try of the call, then, on an answer, one transaction that
 * finishes it. Safe to run twice or at once: the authority acts once per Idempotency-Key, and the
 * call row, locked and still `pending`, is finished by one run only.
 */
export async function carryOutAuthorityCall(
  deps: DecisionDeps,
  callId: number,
): Promise<AuthorityCallResult> {
  const call = await findAuthorityCall(deps.db, callId);
  if (!call) throw new MissingAuthorityCallError(`no authority call ${callId}`);
  if (call.status !== 'pending') return 'already_finished';
  const settings = deps.config.licenceAuthority;
  // Unset since the call was made: it waits (the outbox sweep hands it again) rather than fail.
  if (!settings) throw new AuthorityUnreachableError('LICENSE_AUTHORITY_URL is not set');
  const answer = await callAuthority(settings, call.kind, bodyOf(call), call.idempotency_key);
  switch (answer.kind) {
    case 'retry':
      await recordAuthorityTry(deps.db, call.id, answer.error);
      throw new AuthorityUnreachableError(`licensing system ${answer.error}`);
    case 'refused':
      return refuse(deps, call.id, answer.error);
    case 'answered': {
      if (call.kind !== 'replacement') return finishReport(deps, call.id);
      const code = activationCodeOf(answer.body);
      if (!code) return refuse(deps, call.id, 'answered without an activation_code');
      return storeReplacement(deps, call.id, code);
    }
  }
}

function bodyOf(call: AuthorityCallRow): AuthorityCallBody {
  return {
    license_number: call.license_number,
    reason: call.reason,
    request_reference: call.request_reference,
    approval_id: call.approval_id,
  };
}

function activationCodeOf(body: unknown): string | null {
  const code = (body as { activation_code?: unknown } | null)?.activation_code;
  return typeof code === 'string' && code.trim() !== '' && code.length <= 200 ? code.trim() : null;
}

async function finishReport(deps: DecisionDeps, callId: number): Promise<AuthorityCallResult> {
  return deps.db.transaction(async (tx) => {
    const call = await findAuthorityCall(tx, callId, true);
    if (call?.status !== 'pending') return 'already_finished';
    await finishAuthorityCall(tx, callId, 'done');
    return 'done';
  });
}

/**
 * The new code, in one transaction: stored encrypted and the old one revoked (code-delivery.ts,
 * as a reissue does), the email to the purchaser (or the approved address), the history, the
 * request resolved, and the old code's revocation reported; or nothing, if another run did it.
 */
async function storeReplacement(
  deps: DecisionDeps,
  callId: number,
  code: string,
): Promise<AuthorityCallResult> {
  const result = await deps.db.transaction(async (tx): Promise<AuthorityCallResult> => {
    const call = await findAuthorityCall(tx, callId, true);
    if (call?.status !== 'pending') return 'already_finished';
    const ticket = await lockTicketById(tx, call.request_id);
    const purchase = await lockPurchase(tx, call.purchase_id);
    if (!ticket || !purchase)
      throw new MissingAuthorityCallError(`the request or purchase of call ${callId} is gone`);
    const ctx = decisionContext(tx, deps, deciderOf(call), ticket);
    if (await codeIsKnown(ctx, code))
      return refuseIn(ctx, call, 'answered with a code some licence already has or had');
    const approval = call.approval_id === null ? undefined : await lockApproval(tx, call.approval_id);
    const to = approval?.to_address ?? purchase.purchaser_email;
    await sendCode(ctx, purchase, 'replace', to, call.approval_id ?? undefined, code);
    await moveTicket(tx, ticket.id, 'resolved', true);
    await insertAuthorityCall(tx, {
      kind: 'revocation',
      requestId: ticket.id,
      purchaseId: purchase.id,
      approvalId: call.approval_id,
      decidedBy: call.decided_by,
      reason: 'replaced',
    });
    await finishAuthorityCall(tx, call.id, 'done');
    return 'code_stored';
  });
  deps.relay.wake();
  return result;
}

async function refuse(deps: DecisionDeps, callId: number, error: string): Promise<AuthorityCallResult> {
  const result = await deps.db.transaction(async (tx): Promise<AuthorityCallResult> => {
    const call = await findAuthorityCall(tx, callId, true);
    if (call?.status !== 'pending') return 'already_finished';
    const ticket = await lockTicketById(tx, call.request_id);
    if (!ticket) throw new MissingAuthorityCallError(`the request of call ${callId} is gone`);
    return refuseIn(decisionContext(tx, deps, deciderOf(call), ticket), call, error);
  });
  deps.relay.wake();
  return result;
}

/**
 * A refusal for good, shown to staff: the call marked refused, a history entry on the request,
 * and a request that waited for a replacement back in triage, still held by whoever decided it.
 */
async function refuseIn(
  ctx: DecisionContext<DecisionActor>,
  call: AuthorityCallRow,
  error: string,
): Promise<AuthorityCallResult> {
  await finishAuthorityCall(ctx.tx, call.id, 'refused', error);
  await insertEvent(ctx.tx, {
    requestId: ctx.ticket.id,
    actor: 'licensing system',
    type: 'authority_refused',
    data: { call: call.kind satisfies AuthorityCallKind, error },
  });
  if (call.kind === 'replacement' && ctx.ticket.status === 'pending_approval')
    await moveTicket(ctx.tx, ctx.ticket.id, 'triage', false);
  // Someone must act: the decider decides again; a refused report needs the vendor's people.
  await notify(ctx.tx, ctx.deps.config, {
    kind: 'authority_refused',
    to:
      call.kind === 'replacement' && call.decided_by !== null
        ? { userIds: [call.decided_by] }
        : { role: 'admin' },
    actorId: null,
    request: ctx.ticket,
    data: { call: call.kind },
    cause: `authority:${call.id}`,
  });
  return 'refused';
}

function deciderOf(call: AuthorityCallRow): DecisionActor {
  if (call.decided_by === null || call.decided_by_email === null) return AUTO_ACTOR;
  return { id: call.decided_by, email: call.decided_by_email, role: call.decided_by_role as Role };
}
