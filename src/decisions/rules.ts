import { ConflictError } from '../errors.ts';
import { expiresOn, type Verdict } from '../matching/verdict.ts';
import type { PurchaseRecord } from '../purchases/purchase-record.ts';
import type { Decision } from './decisions.schema.ts';

// The licence rules of README's "Decisions" section. Each returns the rule a decision breaks, or
// null: a sentence for the technician, and where another decision is the way out, that decision.

/** A broken rule: what the technician reads, and the decision that would do instead, if any. */
export interface RuleBreak {
  message: string;
  suggested?: Decision;
}

/** A decision refused by a rule (409); the API adds the suggested decision to its error body. */
export class RuleBrokenError extends ConflictError {
  readonly suggested: Decision | undefined;
  constructor(rule: RuleBreak) {
    super(rule.message);
    this.suggested = rule.suggested;
  }
}

const TRIAL_REJECT: Decision = { type: 'reject', reason: 'trial_license' };

type Licence = Pick<PurchaseRecord, 'license_type' | 'status' | 'first_activated_at' | 'term_days'>;

/** A licence past its term: marked expired, or a term that ended before today. */
export function hasExpired(p: Licence, today: string): boolean {
  const end = expiresOn(p);
  return p.status === 'expired' || (end !== null && end < today);
}

export function reissueBreaks(p: Licence, today: string): RuleBreak | null {
  if (p.license_type === 'trial')
    return { message: 'A trial licence cannot be recovered.', suggested: TRIAL_REJECT };
  if (p.status === 'refunded')
    return { message: 'This licence was refunded: its code cannot be sent again.' };
  if (p.status === 'revoked') return { message: 'This licence is revoked: its code cannot be sent again.' };
  if (hasExpired(p, today))
    return {
      message:
        'This licence has expired: send the renewal email instead (rejecting the request as licence expired sends the renewal offer).',
      suggested: { type: 'reject', reason: 'license_expired' },
    };
  return null;
}

const CHANNEL_NAMES: Record<string, string> = { partner: 'a partner', retail_box: 'a shop (retail box)' };

export function refundBreaks(
  p: Licence & Pick<PurchaseRecord, 'channel' | 'store' | 'price' | 'currency'>,
  amount: string,
): RuleBreak | null {
  if (p.license_type === 'trial')
    return { message: 'A trial licence cannot be refunded.', suggested: TRIAL_REJECT };
  if (p.channel !== 'estore')
    return {
      message:
        `Only online-store purchases are refunded here; this one was bought from ${CHANNEL_NAMES[p.channel] ?? p.channel} ` +
        `(${p.store}): the customer must ask their store (rejecting the request as bought from a partner ` +
        'sends the "ask your store" email).',
      suggested: { type: 'reject', reason: 'bought_from_partner' },
    };
  if (p.status === 'refunded') return { message: 'This licence is already refunded.' };
  if (p.status === 'revoked') return { message: 'This licence is revoked: it cannot be refunded.' };
  if (p.status !== 'active' && p.status !== 'expired')
    return { message: `A licence in status ${p.status} cannot be refunded.` };
  if (!isFullPrice(p, amount))
    return {
      message: `The refund must be the purchase price, ${Number(p.price).toFixed(2)} ${p.currency}; partial refunds are not made here.`,
    };
  return null;
}

/** Refunds are of the whole purchase price only: the console shows it fixed, the API refuses the rest. */
export function isFullPrice(p: Pick<PurchaseRecord, 'price'>, amount: string): boolean {
  return Number(amount).toFixed(2) === Number(p.price).toFixed(2);
}

/**
 * A refund goes to the purchaser of record: on a `conflict` verdict (a stolen receipt, or evidence
 * pointing at another purchase) it would pay back someone else's licence on a stranger's word.
 */
export function refundOnVerdictBreaks(verdict: Verdict | null): RuleBreak | null {
  if (verdict !== 'conflict') return null;
  return {
    message:
      "The evidence conflicts with this purchase (it may be someone else's licence): a refund would pay back its buyer on a stranger's word. Ask the customer for more information, or reject the request.",
  };
}

export const NO_PURCHASE: RuleBreak = {
  message:
    'This request has no matched purchase: there is no licence to send or refund. Ask the customer for more information, or reject the request as no purchase found.',
  suggested: { type: 'reject', reason: 'no_purchase_found' },
};

type RefundLicence = Licence & Pick<PurchaseRecord, 'channel' | 'store' | 'price' | 'currency'>;

/** What the rules say of each licence decision on a request, before anyone tries one: null is allowed. */
export interface LicenceDecisionBreaks {
  reissue: RuleBreak | null;
  refund: RuleBreak | null;
}

/**
 * The rules above, asked of the matched purchase as it is now and the verdict, for the console to
 * offer only what can succeed (a refund asked of the full price, the only amount accepted).
 */
export function licenceDecisionBreaks(
  purchase: RefundLicence | undefined,
  verdict: Verdict | null,
  today: string,
): LicenceDecisionBreaks {
  if (!purchase) return { reissue: NO_PURCHASE, refund: NO_PURCHASE };
  return {
    reissue: reissueBreaks(purchase, today),
    refund: refundBreaks(purchase, purchase.price) ?? refundOnVerdictBreaks(verdict),
  };
}
