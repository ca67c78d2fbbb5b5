import { setTimeout as sleep } from 'node:timers/promises';
import { recordAudit } from '../audit/audit.repository.ts';
import type { Queryable } from '../db/db.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import type { SignInAttempt, SignInLimits } from '../limits/sign-in-limits.ts';
import type { User } from './user.ts';
import { findUserByEmail, replacePasswordHash, type UserRow } from './users.repository.ts';

export type SignInOutcome =
  | { ok: true; user: User }
  | { ok: false; status: 401 | 403; message: string }
  | { ok: false; status: 429; message: string; retryAfterSeconds: number };

// One message for an unknown address and a wrong password: the page is no oracle for accounts.
export const WRONG_CREDENTIALS = 'The email address or the password is not correct.';

let decoyHash: Promise<string> | undefined;

interface SignInDeps {
  db: Queryable;
  signInLimits: SignInLimits;
}

/**
 * Checks an email and password against the users table, inside the sign-in limits (per account
 * and address, per address, per account: see sign-in-limits.ts). An unknown address still costs
 * one scrypt at today's cost, so the answer takes as long as for a real one.
 */
export async function signIn(
  deps: SignInDeps,
  input: { email: string; password: string; clientAddress: string },
): Promise<SignInOutcome> {
  // The account as typed: the key of its limits and its name in the audit, known or not.
  const account = input.email.trim().toLowerCase().slice(0, 254);
  const start = await deps.signInLimits.begin(account, input.clientAddress);
  if (start.paused) return paused(start.seconds);
  await sleep(start.delayMs);

  const found = await findUserByEmail(deps.db, input.email);
  decoyHash ??= hashPassword('not anyone’s password');
  const valid = await verifyPassword(input.password, found?.password_hash ?? (await decoyHash));
  if (!found || !valid) return failedSignIn(deps, { ...input, account }, start.attempt, found);

  await deps.signInLimits.succeeded(start.attempt);
  // Told only to someone who knows the password, so it reveals nothing to a guesser.
  if (found.disabled_at) {
    return { ok: false, status: 403, message: 'This account is disabled. Ask an admin to enable it.' };
  }
  if (needsRehash(found.password_hash)) {
    const newHash = await hashPassword(input.password);
    await replacePasswordHash(deps.db, { userId: found.id, oldHash: found.password_hash, newHash });
  }
  return { ok: true, user: { id: found.id, email: found.email, role: found.role } };
}

/**
 * Counts the failure and audits it, with a second event when it reached a limit. A paused pair
 * or address is refused in begin() before anything is written, so an attacker writes at most
 * one row per counted failure (per address: the address limit's failures, plus an event per
 * pause) in each window, however fast they send.
 */
async function failedSignIn(
  deps: SignInDeps,
  input: { account: string; clientAddress: string },
  attempt: SignInAttempt,
  found: UserRow | undefined,
): Promise<SignInOutcome> {
  const reached = await deps.signInLimits.failed(attempt);
  const entry = {
    actor: { anonymous: input.account },
    subject: found?.email ?? null,
    address: input.clientAddress === 'unknown' ? null : input.clientAddress,
  };
  await recordAudit(deps.db, { ...entry, action: 'sign_in_failed' });
  for (const { scope, pausedSeconds } of reached) {
    const data = pausedSeconds === null ? { scope, slowed: true } : { scope, paused_seconds: pausedSeconds };
    const subject = scope === 'address' ? null : entry.subject;
    await recordAudit(deps.db, {
      ...entry,
      subject,
      action: 'account_throttled',
      data: { ...data, counted_as: attempt.keys[scope] },
    });
  }
  const pause = reached.find((r) => r.pausedSeconds !== null);
  if (pause?.pausedSeconds) return paused(pause.pausedSeconds);
  return { ok: false, status: 401, message: WRONG_CREDENTIALS };
}

function paused(seconds: number): SignInOutcome {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return {
    ok: false,
    status: 429,
    retryAfterSeconds: seconds,
    message:
      'Too many failed sign-ins for this account or from your network. ' +
      `Sign-in is paused: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  };
}
