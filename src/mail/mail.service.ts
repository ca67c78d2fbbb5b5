import type { Queryable } from '../db/db.ts';
import type { Locale } from '../i18n/i18n.ts';
import { createCodeCipher } from '../purchases/code-cipher.ts';
import type { Templates } from '../templates.ts';
import type { MailTransport } from './mail.transport.ts';
import {
  claimForSending,
  findEmail,
  insertEmailToSend,
  markAttemptFailed,
  markSent,
  markUnconfirmed,
  type EmailRow,
  type EmailWrite,
} from './mail.repository.ts';

/** How long a send may take before a row still marked 'sending' means its sender died. */
export const SENDING_LEASE_SECONDS = 120;

export interface EmailToQueue {
  requestId: number | null;
  template: string;
  locale: Locale;
  to: string;
  context: Record<string, unknown>;
}

/** An email as it is stored, rendered (and its secret bodies encrypted) before any SQL runs. */
export type RenderedEmailRow = Omit<EmailWrite, 'request_id'>;

/**
 * Renders an email and queues its sending, inside the caller's transaction: the email
 * exists exactly when the change that caused it does.
 */
export async function queueEmail(tx: Queryable, templates: Templates, email: EmailToQueue): Promise<number> {
  const rendered = templates.email(email.template, email.locale, email.context);
  return insertEmailToSend(tx, {
    request_id: email.requestId,
    template: email.template,
    locale: email.locale,
    to_address: email.to,
    ...rendered,
  });
}

/**
 * Renders an email that carries a secret (an activation code) twice: with the secret, encrypted
 * for the sender alone, and with `masked` in its place, which is what the rows' html/text columns
 * (and so every page and API listing emails) hold.
 */
export function renderSecretEmail(
  templates: Templates,
  encrypt: (plain: string) => string,
  email: Omit<EmailToQueue, 'requestId'> & { secret: { key: string; value: string; masked: string } },
): RenderedEmailRow {
  const { key, value, masked } = email.secret;
  const real = templates.email(email.template, email.locale, { ...email.context, [key]: value });
  const shown = templates.email(email.template, email.locale, { ...email.context, [key]: masked });
  if (real.subject.includes(value))
    throw new Error(`template ${email.template} puts the secret in its subject`);
  return {
    template: email.template,
    locale: email.locale,
    to_address: email.to,
    ...shown,
    secret_html_enc: encrypt(real.html),
    secret_text_enc: encrypt(real.text),
  };
}

/** Queues an email that carries a secret (see renderSecretEmail) inside the caller's transaction. */
export async function queueSecretEmail(
  tx: Queryable,
  templates: Templates,
  encrypt: (plain: string) => string,
  email: EmailToQueue & { secret: { key: string; value: string; masked: string } },
): Promise<number> {
  return insertEmailToSend(tx, {
    request_id: email.requestId,
    ...renderSecretEmail(templates, encrypt, email),
  });
}

// One cipher a key: deriving it (HKDF) for every email would be wasted work.
const ciphers = new Map<string, ReturnType<typeof createCodeCipher>>();
function cipherFor(secretKey: string) {
  let cipher = ciphers.get(secretKey);
  if (!cipher) ciphers.set(secretKey, (cipher = createCodeCipher(secretKey)));
  return cipher;
}

/**
 * Renders an email with the customer's status link. The link's token is as good as a password
 * (status tokens are stored hashed), so the stored copy links to the page without it and the
 * email as sent is kept encrypted for the sender, like an activation code.
 */
export function renderEmailWithStatusLink(
  templates: Templates,
  secretKey: string,
  email: Omit<EmailToQueue, 'requestId'> & { statusUrl: string },
): RenderedEmailRow {
  const cipher = cipherFor(secretKey);
  const { statusUrl, ...rest } = email;
  return renderSecretEmail(templates, (plain) => cipher.encrypt(plain), {
    ...rest,
    secret: { key: 'statusUrl', value: statusUrl, masked: statusUrl.replace(/\?token=.*$/, '') },
  });
}

/** Queues an email with the customer's status link (see renderEmailWithStatusLink). */
export function queueEmailWithStatusLink(
  tx: Queryable,
  templates: Templates,
  secretKey: string,
  email: EmailToQueue & { statusUrl: string },
): Promise<number> {
  return insertEmailToSend(tx, {
    request_id: email.requestId,
    ...renderEmailWithStatusLink(templates, secretKey, email),
  });
}

export type SendOutcome = 'sent' | 'already_done' | 'unconfirmed';

export class PermanentSendError extends Error {}

/**
 * Sends one rendered email at most once. Only a row still 'pending' is sent; a row found
 * 'sending' whose sender has gone quiet past the lease is marked 'unconfirmed' for a person
 * to check, never resent by itself. `finalAttempt` marks the row failed if this try fails.
 */
export async function sendEmail(
  db: Queryable,
  transport: MailTransport,
  from: string,
  emailId: number,
  finalAttempt: boolean,
  /** Decrypts the bodies of an email queued with queueSecretEmail; only the sender holds it. */
  reveal?: (stored: string) => string,
): Promise<SendOutcome> {
  const email = await claimForSending(db, emailId);
  if (!email) {
    const current = await findEmail(db, emailId);
    if (!current) throw new PermanentSendError(`email ${emailId} does not exist`);
    if (current.status !== 'sending') return 'already_done';
    if (await markUnconfirmed(db, emailId, SENDING_LEASE_SECONDS)) return 'unconfirmed';
    throw new Error(`email ${emailId} is being sent by another worker`);
  }
  let bodies: { html: string; text: string } | undefined;
  try {
    bodies = bodiesToSend(email, reveal);
  } catch (error) {
    // Nothing has left: the row goes back to pending (or failed, on the last try), never to
    // 'unconfirmed', which would say it might have been sent. A key that does not open it is
    // the likely cause (SECRET_KEY changed without SECRET_KEY_PREVIOUS).
    await markAttemptFailed(db, emailId, `cannot decrypt the email: ${describe(error)}`, finalAttempt);
    throw error;
  }
  if (!bodies) {
    await markAttemptFailed(db, emailId, 'encrypted email and no key to read it', true);
    throw new PermanentSendError(`email ${emailId} is encrypted and the sender has no key`);
  }
  try {
    await transport.send({
      id: email.id,
      from,
      to: email.to_address,
      subject: email.subject,
      ...bodies,
      messageId: `<${email.message_uuid}@${senderDomain(from)}>`,
    });
  } catch (error) {
    const permanent = isPermanentSmtpFailure(error);
    await markAttemptFailed(db, emailId, describe(error), permanent || finalAttempt);
    throw permanent ? new PermanentSendError(describe(error)) : error;
  }
  await markSent(db, emailId);
  return 'sent';
}

/** The bodies as they leave: decrypted when the row carries a secret, else as stored. */
function bodiesToSend(
  email: EmailRow,
  reveal: ((stored: string) => string) | undefined,
): { html: string; text: string } | undefined {
  if (email.secret_html_enc === null || email.secret_text_enc === null)
    return { html: email.html, text: email.text };
  if (!reveal) return undefined;
  return { html: reveal(email.secret_html_enc), text: reveal(email.secret_text_enc) };
}

/** A 5xx answer means the server will never take this message; anything else may pass. */
function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The domain of the sender's address, for Message-IDs (RFC 5322 wants one the sender owns). */
function senderDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
