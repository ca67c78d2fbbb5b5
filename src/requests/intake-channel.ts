/**
 * How a request came in: the web form, the JSON API, `desk demo`'s data, or an email reply to a
 * request closed too long ago to reopen (a follow-up, README "Email replies").
 */
export const INTAKE_CHANNELS = ['form', 'api', 'demo', 'email'] as const;
export type IntakeChannel = (typeof INTAKE_CHANNELS)[number];

/** Each channel as the console's history names it ("filed the request (API)"). */
export const INTAKE_CHANNEL_TEXT: Record<IntakeChannel, string> = {
  form: 'web form',
  api: 'API',
  demo: 'demo data',
  email: 'email reply, a follow-up',
};

/**
 * The words for a `received` event's stored channel. Requests filed before the channel was
 * recorded say `web` whichever way they came, and keep that word.
 */
export function intakeChannelText(stored: string): string {
  return (INTAKE_CHANNEL_TEXT as Record<string, string | undefined>)[stored] ?? stored;
}
