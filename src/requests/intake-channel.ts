/** How a request came in: the web form, the JSON API, or `desk demo`'s data. */
export const INTAKE_CHANNELS = ['form', 'api', 'demo'] as const;
export type IntakeChannel = (typeof INTAKE_CHANNELS)[number];

/** Each channel as the console's history names it ("filed the request (API)"). */
export const INTAKE_CHANNEL_TEXT: Record<IntakeChannel, string> = {
  form: 'web form',
  api: 'API',
  demo: 'demo data',
};

/**
 * The words for a `received` event's stored channel. Requests filed before the channel was
 * recorded say `web` whichever way they came, and keep that word.
 */
export function intakeChannelText(stored: string): string {
  return (INTAKE_CHANNEL_TEXT as Record<string, string | undefined>)[stored] ?? stored;
}
