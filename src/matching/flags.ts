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

/**
 * The flags that keep a strong claim from instant recovery (SPEC §13, README "Instant recovery"):
 * each means a person should look first. A subset of MATCH_FLAGS; `email_differs` and
 * `buyer_identity_differs` are not in it, since the code only ever goes to the purchaser's address.
 */
export const AUTO_RESEND_BLOCKING_FLAGS = [
  'trial_license',
  'license_expired',
  'license_refunded',
  'license_revoked',
  'region_mismatch',
  'duplicate_request',
  'repeat_recovery',
  'velocity',
  'multiple_candidates',
] as const satisfies readonly MatchFlag[];
export type AutoResendBlockingFlag = (typeof AUTO_RESEND_BLOCKING_FLAGS)[number];

/**
 * Whether a match result is a clear case the desk may resolve by itself: `strong`, the customer
 * asked for the code, and no blocking flag. The worker then still applies the reissue rules and
 * the limits (src/decisions/instant-recovery.ts); `desk eval matching` counts these.
 */
export function isClearCase(
  result: { verdict: string; flags: readonly MatchFlag[] },
  desiredOutcome: string,
): boolean {
  return (
    result.verdict === 'strong' &&
    desiredOutcome === 'recover_code' &&
    !result.flags.some((flag) => (AUTO_RESEND_BLOCKING_FLAGS as readonly MatchFlag[]).includes(flag))
  );
}
