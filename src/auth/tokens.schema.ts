import { z } from 'zod';
import { lineText } from '../identifiers/plain-text.ts';
import { tokenScopes } from './token-scopes.ts';

export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;

// A label is one line people read in lists and the audit: no NUL, line breaks or other controls.
export const tokenLabel = lineText(
  'The label must not contain control characters such as line breaks or tabs.',
  'The label must be text.',
)
  .max(100, { error: 'The label must be at most 100 characters long.' })
  .transform((label) => label.trim() || null);

export const tokenDays = z.coerce
  .number({ error: 'The expiry must be a whole number of days.' })
  .int({ error: 'The expiry must be a whole number of days.' })
  .min(1, { error: 'The expiry must be at least 1 day.' })
  .max(MAX_TOKEN_DAYS, { error: `The expiry must be at most ${MAX_TOKEN_DAYS} days.` });

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The "My tokens" form: a label (optional), how many days the token lives (default 90), its scopes (checkboxes). */
export const newTokenForm = z.object({
  label: z.preprocess(blankToUndefined, tokenLabel.optional()).transform((label) => label ?? null),
  expires_in_days: z.preprocess(blankToUndefined, tokenDays.default(DEFAULT_TOKEN_DAYS)),
  scopes: tokenScopes,
});
export type NewTokenForm = z.infer<typeof newTokenForm>;
