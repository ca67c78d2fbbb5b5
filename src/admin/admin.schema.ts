import { z } from 'zod';
import { newUserSchema } from '../auth/users.schema.ts';
import { AppError } from '../errors.ts';
import { lineText } from '../identifiers/plain-text.ts';

/** A console form with field-by-field problems (English: the console is a staff tool). */
export class InvalidFormError extends AppError {
  constructor(readonly fields: Record<string, string>) {
    super('validation_failed', 422, 'Some fields are missing or not valid.');
  }
}

/** Parses a form with `schema`, or throws InvalidFormError naming each bad field. */
export function parseForm<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[String(issue.path[0] ?? 'form')] ??= issue.message;
  throw new InvalidFormError(fields);
}

export const addUserForm = newUserSchema;

export const tokenForm = z.object({
  label: lineText('The label must not contain control characters or line breaks.')
    .trim()
    .max(100, { error: 'The label must be at most 100 characters long.' })
    .default(''),
});

/** Ids in console addresses; anything else is an address that does not exist. */
export const idParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
