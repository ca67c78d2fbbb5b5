/** Every kind of audit event the desk records (README "Security"). */
export const AUDIT_ACTIONS = [
  'user_added',
  'user_disabled',
  'user_enabled',
  'user_role_changed',
  'token_created',
  'token_revoked',
  'sign_in_failed',
  'account_throttled',
  'settings_changed',
  'keys_rotated',
  'macro_created',
  'macro_changed',
  'macro_archived',
  'macro_restored',
  'inbound_raw_viewed', // a technician read an email message as received (it may hold a code)
  // A customer's "Email me my codes" (src/lookups): asked for (or refused by its mailbox's limit),
  // and the email the job sent with the licences and codes it listed.
  'code_lookup',
  'codes_emailed',
  // Instant recovery's hourly cap paused it (by the system actor `auto`), and an admin resumed it.
  'instant_recovery_paused',
  'instant_recovery_resumed',
  // A shop pushed purchase records through the API (src/purchases-api): the counts, never a code.
  'purchases_pushed',
  // Webhook endpoints (src/webhooks): registered, deleted, disabled or enabled, a delivery sent again.
  'webhook_created',
  'webhook_deleted',
  'webhook_disabled',
  'webhook_enabled',
  'webhook_resent',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: a desk user, the operator's command line on the server, or nobody signed in. */
export type AuditActor = { id: number; email: string } | 'cli' | { anonymous: string };

export interface AuditEntry {
  actor: AuditActor;
  action: AuditAction;
  /** What it was done to, as people read it: a user's email, `token 12 “laptop”`, a setting. */
  subject?: string | null;
  /** The client address the action came from (null from the command line). */
  address?: string | null;
  data?: Record<string, unknown>;
}

/** Who makes a change and from which client address (null from the command line): what every audited change is given. */
export interface ActingAs {
  actor: AuditActor;
  address: string | null;
}
