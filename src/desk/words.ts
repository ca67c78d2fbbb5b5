import type { MatchFlag } from '../matching/flags.ts';
import type { Verdict } from '../matching/verdict.ts';
import type { RequestStatus } from '../requests/request-status.ts';
import type { CHANNELS, DESIRED_OUTCOMES, REASONS } from '../requests/requests.schema.ts';

// The console's words for the desk's stored values: pages never show `waiting_on_customer` or
// `recover_code`; the API keeps them. Each table is keyed by its vocabulary's union, so a value
// added there is a compile error here until it has words.

export const STATUS_WORDS: Record<RequestStatus, string> = {
  received: 'received',
  triage: 'to triage',
  waiting_on_customer: 'waiting on the customer',
  pending_approval: 'waiting for approval',
  resolved: 'resolved',
  rejected: 'rejected',
};

/** The queue's filter also takes `unmatched` (no verdict yet). */
export const VERDICT_WORDS: Record<Verdict | 'unmatched', string> = {
  strong: 'strong match',
  partial: 'partial match',
  conflict: 'conflicting evidence',
  none: 'no match',
  unmatched: 'not matched yet',
};

export const CHANNEL_WORDS: Record<(typeof CHANNELS)[number], string> = {
  estore: 'online store',
  partner: 'partner',
  retail_box: 'shop (retail box)',
};

export const DESIRED_OUTCOME_WORDS: Record<(typeof DESIRED_OUTCOMES)[number], string> = {
  recover_code: 'wants the code',
  refund: 'wants a refund',
};

export const REASON_WORDS: Record<(typeof REASONS)[number], string> = {
  lost: 'lost the code',
  removed: 'the code was removed',
  expired_early: 'the licence expired early',
};

/** Each flag in a word or two, for the flag chips and filters; FLAG_TEXT (queue-view.ts) explains it. */
export const FLAG_LABEL: Record<MatchFlag, string> = {
  trial_license: 'trial licence',
  license_expired: 'licence expired',
  license_refunded: 'licence refunded',
  license_revoked: 'licence revoked',
  email_differs: 'other address',
  buyer_identity_differs: 'not the buyer',
  region_mismatch: 'other region',
  multiple_candidates: 'several purchases fit',
  duplicate_request: 'duplicate request',
  repeat_recovery: 'code sent recently',
  velocity: 'many requests',
};

/**
 * A stored value in words. Rows are read as strings (an older desk may have written a value no
 * longer in the vocabulary); such a value shows with its underscores as spaces.
 */
export function wordFor<K extends string>(table: Record<K, string>, stored: string): string {
  return (table as Record<string, string | undefined>)[stored] ?? stored.replace(/_/g, ' ');
}
