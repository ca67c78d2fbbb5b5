import { z } from 'zod';
import type { FieldErrors } from '../errors.ts';
import type { Locale } from '../i18n/i18n.ts';
import { emailAddressField, localeField, toFieldErrors } from '../requests/requests.schema.ts';

/** `{ "email", "locale"? }`: the address as the recovery request form takes it. */
const schema = z.object({ email: emailAddressField, locale: localeField });

export type ParsedLookup =
  { ok: true; value: { email: string; locale: Locale | null } } | { ok: false; errors: FieldErrors };

export function parseCodeLookup(input: unknown): ParsedLookup {
  const result = schema.safeParse(input);
  if (!result.success) return { ok: false, errors: toFieldErrors(result.error) };
  return { ok: true, value: { email: result.data.email, locale: result.data.locale ?? null } };
}
