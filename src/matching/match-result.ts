import type { FieldComparison } from './compare.ts';
import type { MatchFlag } from './flags.ts';
import { expiresOn, type Decision, type Verdict } from './verdict.ts';

/** The matcher's explainable result (README "Matching"), as stored and as the technician API returns it. */
export interface MatchResult {
  verdict: Verdict;
  score: number;
  purchase: Record<string, unknown> | null;
  fields: FieldComparison[];
  flags: MatchFlag[];
  reasons: string[];
  candidates: { license_number: string; order_number: string; purchaser_name: string; score: number }[];
  duplicate_of?: string;
}

export function toMatchResult(
  decision: Decision,
  extraFlags: MatchFlag[],
  duplicateOf?: string,
): MatchResult {
  const best = decision.best;
  const p = best?.purchase;
  return {
    verdict: decision.verdict,
    score: best?.score ?? 0,
    purchase: p
      ? {
          license_number: p.license_number,
          license_key: p.license_key,
          order_number: p.order_number,
          channel: p.channel,
          store: p.store,
          country: p.country,
          purchased_at: p.purchased_at,
          purchaser_email: p.purchaser_email,
          purchaser_name: p.purchaser_name,
          product_sku: p.product_sku,
          product_name: p.product_name,
          seats: p.seats,
          term_days: p.term_days,
          license_type: p.license_type,
          first_activated_at: p.first_activated_at,
          expires_on: expiresOn(p),
          status: p.status,
          price: p.price,
          currency: p.currency,
        }
      : null,
    fields: best?.fields ?? [],
    flags: [...new Set([...decision.flags, ...extraFlags])],
    reasons: decision.reasons,
    candidates: decision.rivals.map((r) => ({
      license_number: r.purchase.license_number,
      order_number: r.purchase.order_number,
      purchaser_name: r.purchase.purchaser_name,
      score: r.score,
    })),
    ...(duplicateOf ? { duplicate_of: duplicateOf } : {}),
  };
}
