import { expiresOn } from '../matching/verdict.ts';
import type { PurchaseRecord } from '../purchases/purchase-record.ts';

// The licence rules of SPEC §3 and §5, as the 409 messages a technician reads. Each returns the
// rule a decision breaks, or null.

type Licence = Pick<PurchaseRecord, 'license_type' | 'status' | 'first_activated_at' | 'term_days'>;

/** A licence past its term: marked expired, or a term that ended before today. */
export function hasExpired(p: Licence, today: string): boolean {
  const end = expiresOn(p);
  return p.status === 'expired' || (end !== null && end < today);
}

export function reissueBreaks(p: Licence, today: string): string | null {
  if (p.license_type === 'trial') return 'A trial licence cannot be recovered.';
  if (p.status === 'refunded') return 'This licence was refunded: its code cannot be sent again.';
  if (p.status === 'revoked') return 'This licence is revoked: its code cannot be sent again.';
  if (hasExpired(p, today))
    return (
      'This licence has expired: send the renewal email instead ' +
      '({ "type": "reject", "reason": "license_expired" } sends the renewal offer).'
    );
  return null;
}

const CHANNEL_NAMES: Record<string, string> = { partner: 'a partner', retail_box: 'a shop (retail box)' };

export function refundBreaks(
  p: Licence & Pick<PurchaseRecord, 'channel' | 'store' | 'price' | 'currency'>,
  amount: string,
): string | null {
  if (p.license_type === 'trial') return 'A trial licence cannot be refunded.';
  if (p.channel !== 'estore')
    return (
      `Only online-store purchases are refunded here; this one was bought from ${CHANNEL_NAMES[p.channel] ?? p.channel} ` +
      `(${p.store}): the customer must ask their store ({ "type": "reject", "reason": "bought_from_partner" } ` +
      'sends the "ask your store" email).'
    );
  if (p.status === 'refunded') return 'This licence is already refunded.';
  if (p.status === 'revoked') return 'This licence is revoked: it cannot be refunded.';
  if (p.status !== 'active' && p.status !== 'expired')
    return `A licence in status ${p.status} cannot be refunded.`;
  if (Number(amount).toFixed(2) !== Number(p.price).toFixed(2))
    return `The refund must be the purchase price, ${Number(p.price).toFixed(2)} ${p.currency}; partial refunds are not made here.`;
  return null;
}
