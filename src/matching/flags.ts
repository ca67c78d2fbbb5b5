/**
 * Every flag the matcher can raise on a match result (README "Matching", step 5); the
 * console words each one (src/desk/queue-view.ts), and the compiler holds the two lists together.
 */
export const MATCH_FLAGS = [
  'trial_license',
  'license_expired',
  'license_refunded',
  'license_revoked',
  'email_differs',
  'buyer_identity_differs',
  'region_mismatch',
  'multiple_candidates',
  'duplicate_request',
  'repeat_recovery',
  'velocity',
] as const;
export type MatchFlag = (typeof MATCH_FLAGS)[number];
