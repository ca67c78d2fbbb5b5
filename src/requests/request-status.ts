/** A request's workflow states, in the order a request moves through them (README, Workflow). */
export const REQUEST_STATUSES = [
  'received',
  'triage',
  'waiting_on_customer',
  'pending_approval',
  'resolved',
  'rejected',
] as const;

export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** States a request is finished in: its service-level clock stops. */
export const CLOSED_STATUSES = ['resolved', 'rejected'] as const satisfies readonly RequestStatus[];
