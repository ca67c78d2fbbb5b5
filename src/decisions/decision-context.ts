import type { User } from '../auth/user.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import { isLocale, type Locale } from '../i18n/i18n.ts';
import type { Relay } from '../outbox/outbox.relay.ts';
import { createCodeCipher, type CodeCipher } from '../purchases/code-cipher.ts';
import { createCodeFingerprint, createCodeFingerprints } from '../purchases/code-fingerprint.ts';
import type { Templates } from '../templates.ts';
import { lockPurchase, type LockedPurchase } from './decisions.repository.ts';
import { NO_PURCHASE, RuleBrokenError, type RuleBreak } from './rules.ts';
import { type LockedTicket } from '../requests/status.repository.ts';

/** What the decision services need from the web side. */
export interface DecisionDeps {
  db: Db;
  config: Config;
  templates: Templates;
  relay: Relay;
}

/**
 * The desk deciding by itself (instant recovery, README "Instant recovery"): the history and the
 * emails' records name it `auto`; it holds no claim and proposes nothing.
 */
export interface SystemActor {
  id: null;
  email: 'auto';
}
export const AUTO_ACTOR: SystemActor = Object.freeze({ id: null, email: 'auto' });

/** Who decides: a desk user, or the desk itself. */
export type DecisionActor = User | SystemActor;

/**
 * One decision in progress: its transaction, who acts, and the locked request. Code that serves
 * both a person and the desk itself (sending a code, the matched purchase) takes
 * `DecisionContext<DecisionActor>`; the rest needs a user.
 */
export interface DecisionContext<A extends DecisionActor = User> {
  tx: Queryable;
  deps: DecisionDeps;
  actor: A;
  ticket: LockedTicket;
  cipher: CodeCipher;
  /** Under SECRET_KEY: what is stored with a new code. */
  fingerprint: (code: string) => string;
  /** Under every configured key: how a code already stored, under whichever key, is found. */
  fingerprintsUnderEveryKey: (code: string) => string[];
}

export function decisionContext<A extends DecisionActor>(
  tx: Queryable,
  deps: DecisionDeps,
  actor: A,
  ticket: LockedTicket,
): DecisionContext<A> {
  return {
    tx,
    deps,
    actor,
    ticket,
    cipher: createCodeCipher(deps.config.secretKey, deps.config.secretKeyPrevious),
    fingerprint: createCodeFingerprint(deps.config.secretKey),
    fingerprintsUnderEveryKey: createCodeFingerprints(deps.config.secretKey, deps.config.secretKeyPrevious),
  };
}

export function ticketLocale(ticket: Pick<LockedTicket, 'locale'>): Locale {
  return isLocale(ticket.locale) ? ticket.locale : 'en';
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The purchase the matcher settled on, locked; without one, nothing can be sent or refunded. */
export async function matchedPurchase(ctx: DecisionContext<DecisionActor>): Promise<LockedPurchase> {
  const id = ctx.ticket.purchase_id;
  const purchase = id === null ? undefined : await lockPurchase(ctx.tx, id);
  if (!purchase) throw new RuleBrokenError(NO_PURCHASE);
  return purchase;
}

/** Throws the broken rule as a 409, if there is one. */
export function enforce(rule: RuleBreak | null): void {
  if (rule) throw new RuleBrokenError(rule);
}
