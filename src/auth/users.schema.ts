import { z } from 'zod';
import { lineText } from '../identifiers/plain-text.ts';
import { isCommonPassword } from './common-passwords.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.ts';
import { ROLES } from './user.ts';

export const userEmail = lineText(
  'The email address must not contain control characters.',
  'The email address is missing.',
)
  .trim()
  .max(254, { error: 'The email address is too long.' })
  .pipe(z.email({ error: 'The email address is not valid.' }));

export const userRole = z.enum(ROLES, { error: `The role must be one of: ${ROLES.join(', ')}.` });

// Length in characters as a person counts them (code points), not UTF-16 units.
export const newPassword = z
  .string({ error: 'The password is missing.' })
  .refine((p) => [...p].length >= MIN_PASSWORD_LENGTH, {
    error: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`,
  })
  .refine((p) => [...p].length <= MAX_PASSWORD_LENGTH, {
    error: `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`,
  })
  .refine((p) => !isCommonPassword(p), {
    error: 'The password is on a list of commonly used passwords; choose another.',
  });

export const newUserSchema = z.object({ email: userEmail, role: userRole, password: newPassword });
export type NewUser = z.infer<typeof newUserSchema>;
