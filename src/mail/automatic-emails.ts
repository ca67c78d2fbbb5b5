/**
 * The emails the desk sends by itself, with no person's decision behind them: they carry
 * `Auto-Submitted: auto-replied` (RFC 3834), so the recipient's vacation notices and other
 * responders stay quiet. An email a technician or supervisor caused (a code, a question, a
 * rejection, a refund, and the notices that go with them) is a person's answer and carries none.
 */
export const AUTOMATIC_EMAILS = [
  // the acknowledgement of a new request, sent on filing
  'request-received',
  // a desk user's notification (src/notifications), sent as the events happen
  'staff-notification',
  // the licences of a mailbox, asked for on /recover/by-email ("Email me my codes")
  'code-lookup',
] as const;
export type AutomaticEmail = (typeof AUTOMATIC_EMAILS)[number];

export function isAutomaticEmail(template: string): template is AutomaticEmail {
  return (AUTOMATIC_EMAILS as readonly string[]).includes(template);
}

/**
 * The headers of automatic mail. `X-Auto-Response-Suppress` asks Exchange and Outlook for no
 * out-of-office notice or auto-reply (`OOF, AutoReply`), but not `All`: that would also suppress
 * the non-delivery reports the desk wants back at its reply address to mark an email bounced.
 */
export const AUTOMATIC_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Auto-Submitted': 'auto-replied',
  'X-Auto-Response-Suppress': 'OOF, AutoReply',
});
