import type { Role } from '../auth/user.ts';

/**
 * Every kind of staff notification (README "Console", notifications). A new kind goes here, in
 * `NotificationDataOf` and `KIND_RULES` below (neither compiles without it), in the `CHECK`s of
 * migration 0021 (a new migration widening them), in the console's sentences
 * (`src/desk/notifications-page.view.ts`) and in the email template `staff-notification`.
 */
export const NOTIFICATION_KINDS = [
  'customer_replied', // the customer answered a request you hold (status page)
  'approval_waiting', // a colleague's proposal waits for a supervisor (refund, code elsewhere)
  'proposal_approved', // a supervisor approved your proposal
  'proposal_turned_down', // a supervisor turned your proposal down: the request is back in triage
  'assigned', // a supervisor assigned a request to you
  'taken_over', // a colleague took over a request you held
  'instant_recovery_paused', // the hourly cap paused instant recovery (admins): an admin resumes it
  'authority_refused', // the licensing system refused for good: a new code (its decider) or a report (admins)
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export function isNotificationKind(value: unknown): value is NotificationKind {
  return (NOTIFICATION_KINDS as readonly unknown[]).includes(value);
}

/**
 * What each kind records beside the request: who acted (a staff address) and ids and amounts,
 * never a code or the customer's words (the request page shows those to whoever opens it).
 * `approvalKind` is decisions' ApprovalKind, kept as text: this folder sits below decisions.
 */
type DataOf = {
  customer_replied: { reopened?: boolean };
  approval_waiting: {
    approvalId: number;
    approvalKind: string;
    proposedBy: string;
    amount?: string;
    currency?: string;
  };
  proposal_approved: { approvalId: number; approvalKind: string; by: string };
  proposal_turned_down: { approvalId: number; approvalKind: string; by: string };
  assigned: { by: string };
  taken_over: { by: string };
  /** The automatic sends counted in the hour, and AUTO_RESEND_MAX_PER_HOUR. */
  instant_recovery_paused: { sends: number; limit: number };
  /** Which call was refused (licence-authority's AuthorityCallKind, kept as text: this folder sits below decisions). */
  authority_refused: { call: string };
};

export type NotificationData<K extends NotificationKind> = DataOf[K];

export interface KindRule {
  /** The lowest role that gets this kind (roles are ranked, see auth/roles.ts). */
  audience: Role;
  /**
   * Sent by email too unless the user chose otherwise: kinds where something now waits on the
   * reader. The rest only inform, and stay in the console unless asked for.
   */
  emailByDefault: boolean;
  /** The kind on the preferences form. */
  label: string;
}

export const KIND_RULES: Record<NotificationKind, KindRule> = {
  customer_replied: {
    audience: 'technician',
    emailByDefault: true,
    label: 'A customer answered a request you hold',
  },
  approval_waiting: {
    audience: 'supervisor',
    emailByDefault: true,
    label: 'A proposal waits for a supervisor’s approval',
  },
  proposal_approved: {
    audience: 'technician',
    emailByDefault: false,
    label: 'Your proposal was approved',
  },
  proposal_turned_down: {
    audience: 'technician',
    emailByDefault: true,
    label: 'Your proposal was turned down',
  },
  assigned: { audience: 'technician', emailByDefault: true, label: 'A request was assigned to you' },
  taken_over: {
    audience: 'technician',
    emailByDefault: false,
    label: 'A colleague took over a request you held',
  },
  instant_recovery_paused: {
    audience: 'admin',
    emailByDefault: true,
    label: 'Instant recovery paused itself (too many automatic sends in an hour)',
  },
  authority_refused: {
    audience: 'technician',
    emailByDefault: true,
    label: 'The licensing system refused a new code you asked for, or a report',
  },
};
