/**
 * Every kind of event a request's history holds, and who writes it. A new kind goes here first:
 * the console's sentence table (`src/desk/request-page.history.ts`) is a `Record` over this list,
 * so a kind without a sentence does not compile.
 */
export const EVENT_TYPES = [
  'received', // intake: the request was filed
  'matched', // matching: a verdict was saved
  'claimed', // decisions: a technician took it (or deciding claimed it)
  'taken_over', // decisions: taken from another technician
  'released', // decisions: given back to the queue
  'assigned', // decisions: a supervisor gave it to a technician
  'code_sent', // decisions: an activation code went out
  'reissue_proposed', // decisions: a code to another address, waiting for a supervisor
  'refund_proposed', // decisions: a refund, waiting for a supervisor
  'refund_approved', // decisions: the supervisor approved the refund
  'approval_rejected', // decisions: the supervisor turned a proposal down
  'info_requested', // decisions: a question to the customer
  'customer_replied', // requests: the customer's words, on the status page or by email (inbound)
  'rejected', // decisions: the request was rejected
  'note', // notes: an internal note
  'email_resent', // mail: "Send again"
  'email_bounced', // inbound: a delivery report said one of the request's emails did not arrive
  'auto_resend_held', // decisions: a clear case instant recovery left to a person (a limit, a pause)
  'replacement_requested', // decisions: a new code asked of the licensing system (README "Licence authority")
  'authority_refused', // decisions: the licensing system refused a call for good
  'rated', // satisfaction: the customer answered "was this helpful?" (a link in the closing email)
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface RequestEvent {
  actor: string;
  type: EventType;
  data: Record<string, unknown>;
  created_at: Date;
}
