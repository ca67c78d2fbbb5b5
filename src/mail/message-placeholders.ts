/**
 * The placeholders a technician's message (typed, or a macro's text) may hold. Each names a fact
 * the request's emails carry; the email render fills them, so `{{status_url}}` becomes the
 * customer's own status link, token and all, only in the email that leaves (the recorded copy
 * and every preview show the link without its token).
 */
export const MESSAGE_PLACEHOLDERS = ['name', 'reference', 'status_url'] as const;
export type MessagePlaceholder = (typeof MESSAGE_PLACEHOLDERS)[number];

/** The email fact each placeholder stands for. */
const FACT_OF: Record<MessagePlaceholder, string> = {
  name: 'name',
  reference: 'reference',
  status_url: 'statusUrl',
};

const PLACEHOLDER = /\{\{(name|reference|status_url)\}\}/g;
const ANY_BRACES = /\{\{([^{}]*)\}\}/g;

/** The text with the placeholders `values` has filled in; the others stay as they are. */
export function fillPlaceholders(text: string, values: Partial<Record<MessagePlaceholder, string>>): string {
  return text.replace(PLACEHOLDER, (whole, key: MessagePlaceholder) => values[key] ?? whole);
}

/** Every `{{…}}` in the text that is not one of MESSAGE_PLACEHOLDERS, as written. */
export function unknownPlaceholders(text: string): string[] {
  const known = MESSAGE_PLACEHOLDERS as readonly string[];
  return [...text.matchAll(ANY_BRACES)].filter((m) => !known.includes(m[1]!)).map((m) => m[0]);
}

/** An email's facts with the placeholders of its `message` filled from the facts themselves. */
export function withMessageFilled(facts: Record<string, unknown>): Record<string, unknown> {
  if (typeof facts.message !== 'string') return facts;
  const values: Partial<Record<MessagePlaceholder, string>> = {};
  for (const key of MESSAGE_PLACEHOLDERS) {
    const fact = facts[FACT_OF[key]];
    if (typeof fact === 'string') values[key] = fact;
  }
  return { ...facts, message: fillPlaceholders(facts.message, values) };
}
