import { recordAudit } from '../audit/audit.repository.ts';
import { hasRole } from '../auth/roles.ts';
import type { User } from '../auth/user.ts';
import type { Db, Queryable } from '../db/db.ts';
import { ForbiddenError } from '../errors.ts';
import { insertEvent } from '../history/history.repository.ts';
import { isClearCase } from '../matching/flags.ts';
import type { FirstVerdict, VerdictFollowUp } from '../matching/matching.service.ts';
import { notify } from '../notifications/notifications.service.ts';
import { lockTicketById } from '../requests/status.repository.ts';
import { utcMinute } from '../time-text.ts';
import {
  AUTO_ACTOR,
  decisionContext,
  matchedPurchase,
  today,
  type DecisionDeps,
} from './decision-context.ts';
import { canStartIn } from './decisions.service.ts';
import {
  countAutomaticSendsInHour,
  lastCodeSentFor,
  lockInstantRecoverySwitch,
  pauseInstantRecovery,
  readInstantRecoverySwitch,
  resumeInstantRecovery as clearPause,
} from './instant-recovery.repository.ts';
import { resendToPurchaser } from './outcomes.ts';
import { reissueBreaks } from './rules.ts';

/** Why a clear case was left to a person; the history says so (`auto_resend_held`). */
export const HOLD_REASONS = ['rule', 'licence_limit', 'paused'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** What instant recovery did with one request. */
export type InstantOutcome = 'resolved' | 'not_clear' | 'not_open' | HoldReason;

/**
 * Instant recovery (README "Instant recovery"), as the match worker's follow-up: in the
 * transaction that stores a batch's first verdicts, each clear case (`isClearCase`) gets its code
 * resent to the purchaser's address of record and is resolved by the actor `auto`, through the
 * technician's reissue (`resendToPurchaser`, after `reissueBreaks`); the email is an outbox row of
 * that transaction, so it exists exactly when the verdict does. After the commit the relay is woken.
 */
export function instantRecovery(deps: DecisionDeps): VerdictFollowUp {
  return {
    async inTransaction(tx, verdicts) {
      if (deps.config.autoResend.mode === 'off') return;
      for (const verdict of verdicts) await recoverInstantly(tx, deps, verdict);
    },
    committed: () => deps.relay.wake(),
  };
}

/**
 * One request: only a first verdict of a request nobody holds (a rematch after the customer
 * answers, or a request decided meanwhile, is a person's), then the reissue rules, at most one code
 * per licence in 30 days, and the hourly cap, which pauses instant recovery when reached.
 */
export async function recoverInstantly(
  tx: Queryable,
  deps: DecisionDeps,
  verdict: FirstVerdict,
): Promise<InstantOutcome> {
  if (!isClearCase(verdict.result, verdict.desiredOutcome)) return 'not_clear';
  const ticket = await lockTicketById(tx, verdict.requestId);
  if (!ticket || !canStartIn('reissue', ticket.status) || ticket.claimed_by !== null) return 'not_open';
  const ctx = decisionContext(tx, deps, AUTO_ACTOR, ticket);
  const purchase = await matchedPurchase(ctx);
  const hold = (reason: HoldReason, why: string) => held(tx, ticket.id, reason, why);
  const broken = reissueBreaks(purchase, today());
  if (broken) return hold('rule', broken.message);
  const last = await lastCodeSentFor(tx, purchase.id);
  if (last)
    return hold(
      'licence_limit',
      `a code for licence ${purchase.license_number} went out ${utcMinute(last)}; instant recovery sends at most one per licence in 30 days`,
    );
  const state = await lockInstantRecoverySwitch(tx);
  if (state.paused_at) return hold('paused', pausedWords(state.paused_sends, state.paused_limit));
  const limit = deps.config.autoResend.maxPerHour;
  const sends = await countAutomaticSendsInHour(tx, state.resumed_at);
  if (sends >= limit) {
    const pausedAt = await pauseInstantRecovery(tx, sends, limit);
    await recordAudit(tx, {
      actor: { anonymous: AUTO_ACTOR.email },
      action: 'instant_recovery_paused',
      subject: 'instant recovery',
      data: { sends, limit, reference: ticket.reference },
    });
    await notify(tx, deps.config, {
      kind: 'instant_recovery_paused',
      to: { role: 'admin' },
      actorId: null,
      request: ticket,
      data: { sends, limit },
      cause: `paused:${pausedAt.toISOString()}`,
    });
    return hold('paused', pausedWords(sends, limit));
  }
  await resendToPurchaser(ctx, purchase, 'resend');
  return 'resolved';
}

/** The queue's banner and the history's reason alike. */
export function pausedWords(sends: number | null, limit: number | null): string {
  return `instant recovery is paused: ${sends ?? '?'} automatic sends in the last hour (limit ${limit ?? '?'})`;
}

async function held(tx: Queryable, requestId: number, reason: HoldReason, why: string): Promise<HoldReason> {
  await insertEvent(tx, {
    requestId,
    actor: AUTO_ACTOR.email,
    type: 'auto_resend_held',
    data: { reason, why },
  });
  return reason;
}

/** What the queue page says of instant recovery: null while it runs (or is off). */
export interface InstantRecoveryPause {
  sends: number | null;
  limit: number | null;
  pausedAt: Date;
}

export async function instantRecoveryPause(db: Queryable): Promise<InstantRecoveryPause | null> {
  const state = await readInstantRecoverySwitch(db);
  if (!state.paused_at) return null;
  return { sends: state.paused_sends, limit: state.paused_limit, pausedAt: state.paused_at };
}

/**
 * An admin resumes instant recovery (audited); the hour's count starts again from now. Whether it
 * was paused (a second click finds it running and changes nothing).
 */
export async function resumeInstantRecovery(db: Db, admin: User, address: string | null): Promise<boolean> {
  if (!hasRole(admin, 'admin')) throw new ForbiddenError('Only an admin resumes instant recovery.');
  return db.transaction(async (tx) => {
    const before = await clearPause(tx, admin.id);
    if (!before) return false;
    await recordAudit(tx, {
      actor: { id: admin.id, email: admin.email },
      action: 'instant_recovery_resumed',
      subject: 'instant recovery',
      address,
      data: { paused_at: before.paused_at, sends: before.paused_sends, limit: before.paused_limit },
    });
    return true;
  });
}
