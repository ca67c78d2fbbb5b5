import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../db/db.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { SignInLimits } from './sign-in-limits.ts';
import type { User } from './user.ts';
import { findUserByEmail } from './users.repository.ts';

export type SignInOutcome =
  { ok: true; user: User } | { ok: false; status: 401 | 403 | 429; message: string };

// One message for an unknown address and a wrong password: the page is no oracle for accounts.
export const WRONG_CREDENTIALS = 'The email address or the password is not correct.';

let decoyHash: Promise<string> | undefined;

/**
 * Checks an email and password against the users table, inside the failed-sign-in limits.
 * An unknown address still costs one scrypt, so the answer takes as long as for a real one.
 */
export async function signIn(
  deps: { db: Queryable; signInLimits: SignInLimits },
  input: { email: string; password: string; clientAddress: string },
): Promise<SignInOutcome> {
  const { email, password, clientAddress } = input;
  const locked = await deps.signInLimits.lockedFor(email, clientAddress);
  if (locked !== null) return lockedOut(locked);

  const found = await findUserByEmail(deps.db, email);
  decoyHash ??= hashPassword('not anyone’s password');
  const valid = await verifyPassword(password, found?.password_hash ?? (await decoyHash));
  if (!found || !valid) {
    const { delayMs, lockedFor } = await deps.signInLimits.failed(email, clientAddress);
    if (lockedFor !== null) return lockedOut(lockedFor);
    await sleep(delayMs);
    return { ok: false, status: 401, message: WRONG_CREDENTIALS };
  }
  // Told only to someone who knows the password, so it reveals nothing to a guesser.
  if (found.disabled_at) {
    return { ok: false, status: 403, message: 'This account is disabled. Ask an admin to enable it.' };
  }
  await deps.signInLimits.succeeded(email);
  return { ok: true, user: { id: found.id, email: found.email, role: found.role } };
}

function lockedOut(seconds: number): SignInOutcome {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return {
    ok: false,
    status: 429,
    message:
      'Too many failed sign-ins for this account or from your network. ' +
      `Sign-in is paused: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  };
}
