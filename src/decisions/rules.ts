import { ConflictError } from '../errors.ts';
import { expiresOn } from '../matching/verdict.ts';
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

type Licence = Pick<PurchaseRecord, 'license_type' | 'status' | 'first_activated_at' | 'term_days'>;

/** A licence past its term: marked expired, or a term that ended before today. */
export function hasExpired(p: Licence, today: string): boolean {
  const end = expiresOn(p);
  return p.status === 'expired' || (end !== null && end < today);
}

export function reissueBreaks(p: Licence, today: string): RuleBreak | null {
  if (p.license_type === 'trial') return { message: 'A trial licence cannot be recovered.' };
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
  if (p.license_type === 'trial') return { message: 'A trial licence cannot be refunded.' };
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
  if (Number(amount).toFixed(2) !== Number(p.price).toFixed(2))
    return {
      message: `The refund must be the purchase price, ${Number(p.price).toFixed(2)} ${p.currency}; partial refunds are not made here.`,
    };
  return null;
}
