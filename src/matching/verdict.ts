import type { Claim } from './claim.ts';
import { compareFields, type Field, type FieldComparison, type Outcome } from './compare.ts';
import type { MatchFlag } from './flags.ts';
import type { PurchaseRecord } from '../purchases/purchase-record.ts';

export type Verdict = 'strong' | 'partial' | 'none' | 'conflict';

export interface Assessment {
  purchase: PurchaseRecord;
  fields: FieldComparison[];
  score: number;
  outcome: (field: Field) => Outcome;
  /** The better of licence number and licence key. */
  identifier: Outcome;
  plausible: boolean;
}

export interface Decision {
  verdict: Verdict;
  best: Assessment | null;
  /** Other purchases the evidence fits as well as the best one. */
  rivals: Assessment[];
  flags: MatchFlag[];
  reasons: string[];
}

const RANK: Record<Outcome, number> = { match: 3, near: 2, mismatch: 1, missing: 0 };
const VALUE: Record<Outcome, number> = { match: 1, near: 0.6, mismatch: 0, missing: 0 };
// How much each field says about who bought the licence; they add up to 1.
const WEIGHT: Record<Field, number> = {
  license_number: 0.175,
  license_key: 0.175,
  email: 0.2,
  order_number: 0.15,
  name: 0.1,
  purchased_on: 0.1,
  channel: 0.03,
  store: 0.03,
  country: 0.04,
};

const agrees = (o: Outcome) => o === 'match' || o === 'near';

/**
 * What a receipt or a box shows besides the licence: whoever holds it, buyer or thief, knows these. The
 * buyer's mailbox and name are not on it, so only they show that the claimant is the buyer.
 */
const PURCHASE_FACTS = ['order_number', 'purchased_on', 'channel', 'store', 'country'] as const;

/** Neither the mailbox nor the name is the buyer's (a near one, a slip or a new domain, still counts). */
export function buyerIdentityDiffers(a: Assessment): boolean {
  return !agrees(a.outcome('email')) && !agrees(a.outcome('name'));
}

/**
 * A stolen receipt (README "Security"): the licence and every purchase fact the claim gives agree, and
 * neither the mailbox nor the name is the buyer's. A fact left out does not spoil the agreement:
 * a retail box has no order number, and a claim must not escape the rule by giving less.
 */
export function isStolenReceipt(a: Assessment): boolean {
  return (
    agrees(a.identifier) &&
    PURCHASE_FACTS.every((f) => a.outcome(f) !== 'mismatch') &&
    buyerIdentityDiffers(a)
  );
}

export function assess(claim: Claim, purchase: PurchaseRecord): Assessment {
  const fields = compareFields(claim, purchase);
  const byField = new Map(fields.map((f) => [f.field, f.outcome]));
  const outcome = (field: Field) => byField.get(field) ?? 'missing';
  const identifier = [outcome('license_number'), outcome('license_key')].sort(
    (a, b) => RANK[b] - RANK[a],
  )[0]!;
  // An identifier counts once: the better of number and key carries both weights.
  const score = fields.reduce((sum, f) => {
    const value =
      f.field === 'license_number' || f.field === 'license_key' ? VALUE[identifier] : VALUE[f.outcome];
    return sum + WEIGHT[f.field] * value;
  }, 0);
  const plausible =
    agrees(identifier) ||
    outcome('order_number') === 'match' ||
    (outcome('order_number') === 'near' && (outcome('email') === 'match' || outcome('name') === 'match')) ||
    (outcome('email') === 'match' && outcome('name') === 'match' && agrees(outcome('purchased_on')));
  return { purchase, fields, score: Math.round(score * 1000) / 1000, outcome, identifier, plausible };
}

function byStrength(a: Assessment, b: Assessment): number {
  return (
    RANK[b.identifier] - RANK[a.identifier] ||
    RANK[b.outcome('order_number')] - RANK[a.outcome('order_number')] ||
    b.score - a.score ||
    a.purchase.id - b.purchase.id
  );
}

/**
 * The verdict (README "Matching"), read the way a careful technician reads evidence:
 * - conflict: the identifiers point at one purchase and other evidence at another, or
 *   nothing only the buyer knows (mailbox, name) agrees with the purchase, whether the facts
 *   printed on the receipt agree (a stolen receipt) or not;
 * - strong: one purchase; its licence identifier, the buyer's own mailbox and name agree;
 *   nothing contradicts; at most one field is slightly off;
 * - partial: a likely purchase that needs a person's look;
 * - none: nothing plausible.
 */
export function decide(claim: Claim, purchases: PurchaseRecord[], today: string): Decision {
  const assessed = purchases.map((p) => assess(claim, p)).sort(byStrength);
  const plausible = assessed.filter((a) => a.plausible);
  const best = plausible[0];
  if (!best)
    return {
      verdict: 'none',
      best: null,
      rivals: [],
      flags: [],
      reasons: ['No purchase fits the licence, order or buyer given.'],
    };
  const rivals = plausible
    .slice(1)
    .filter((a) => RANK[a.identifier] === RANK[best.identifier] && a.score >= best.score - 0.25);
  const flags = purchaseFlags(best, today);
  if (rivals.length > 0) flags.push('multiple_candidates');

  const conflict = conflictReason(best, assessed);
  if (conflict) return { verdict: 'conflict', best, rivals, flags, reasons: [conflict] };
  const blocker = strongBlocker(best, rivals);
  if (blocker) return { verdict: 'partial', best, rivals, flags, reasons: [blocker] };
  return {
    verdict: 'strong',
    best,
    rivals,
    flags,
    reasons: ['Licence, mailbox and name agree with one purchase.'],
  };
}

function conflictReason(best: Assessment, all: Assessment[]): string | null {
  if (best.identifier !== 'match' && best.identifier !== 'near') return null;
  const other = all.find(
    (a) =>
      a !== best &&
      a.purchase.order_key !== best.purchase.order_key &&
      (a.outcome('order_number') === 'match' || a.identifier === 'match'),
  );
  if (other && best.outcome('order_number') !== 'match') {
    return `The licence belongs to order ${best.purchase.order_number}, but the other evidence points to order ${other.purchase.order_number}.`;
  }
  // Only the buyer's mailbox and name show who is asking; the rest is printed on the receipt.
  if (isStolenReceipt(best))
    return "The licence and the purchase facts given agree, but neither the address nor the name is the buyer's: anyone holding the receipt or the box knows those facts.";
  if (buyerIdentityDiffers(best))
    return `The licence matches, but neither the address nor the name is the buyer's, and the ${contradictedFacts(best)} its purchase.`;
  // A new address is common; a new address and a different order, date and place of purchase is not.
  const contradicted = (['order_number', 'purchased_on', 'channel', 'country'] as const).filter(
    (f) => best.outcome(f) === 'mismatch',
  );
  if (
    best.outcome('email') === 'mismatch' &&
    !agrees(best.outcome('order_number')) &&
    contradicted.length >= 3
  ) {
    return `The licence matches, but the address and the ${contradictedFacts(best)} its purchase.`;
  }
  return null;
}

/** "order number, purchased on contradict": the purchase facts the claim contradicts, for a reason. */
function contradictedFacts(a: Assessment): string {
  const facts = PURCHASE_FACTS.filter((f) => a.outcome(f) === 'mismatch');
  const verb = facts.length === 1 ? 'contradicts' : 'contradict';
  return `${facts.join(', ').replace(/_/g, ' ')} ${verb}`;
}

/** Why a likely purchase is not enough for a one-click reissue, or null when it is. */
function strongBlocker(best: Assessment, rivals: Assessment[]): string | null {
  const o = best.outcome;
  if (rivals.length > 0) return 'Several purchases fit the evidence.';
  if (!agrees(best.identifier)) return 'No licence number or key matches.';
  if (o('email') !== 'match') return "The requester's address is not the buyer's address of record.";
  if (!agrees(o('name'))) return "The name differs from the buyer's.";
  if (o('order_number') === 'mismatch') return 'The order number differs.';
  if (o('channel') === 'mismatch' || o('country') === 'mismatch') return 'The place of purchase differs.';
  const slips =
    identifierSlips(best) +
    [o('order_number'), o('name')].filter((x) => x === 'near').length +
    (o('purchased_on') === 'near' || o('purchased_on') === 'mismatch' ? 1 : 0);
  if (slips > 1) return 'More than one detail is slightly off.';
  return null;
}

/** Characters off in the licence identifiers; a second identifier that fits nothing counts as a slip too. */
function identifierSlips(best: Assessment): number {
  const ids = best.fields.filter((f) => f.field === 'license_number' || f.field === 'license_key');
  return ids.reduce((n, f) => {
    if (f.outcome === 'mismatch') return n + 1;
    if (f.outcome !== 'near') return n;
    return n + (f.edits ?? 1);
  }, 0);
}

function purchaseFlags(best: Assessment, today: string): MatchFlag[] {
  const p = best.purchase;
  const flags: MatchFlag[] = [];
  if (p.license_type === 'trial') flags.push('trial_license');
  if (p.status === 'expired' || (expiresOn(p) !== null && expiresOn(p)! < today))
    flags.push('license_expired');
  if (p.status === 'refunded') flags.push('license_refunded');
  if (p.status === 'revoked') flags.push('license_revoked');
  if (best.outcome('email') !== 'match') flags.push('email_differs');
  if (buyerIdentityDiffers(best)) flags.push('buyer_identity_differs');
  if (best.outcome('country') === 'mismatch') flags.push('region_mismatch');
  return flags;
}

/** Validity starts at the first activation, not the purchase; a licence never activated has not started. */
export function expiresOn(p: Pick<PurchaseRecord, 'first_activated_at' | 'term_days'>): string | null {
  if (!p.first_activated_at) return null;
  const end = new Date(`${p.first_activated_at}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + p.term_days);
  return end.toISOString().slice(0, 10);
}
