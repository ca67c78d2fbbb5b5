import type { Queryable } from '../db/db.ts';
import type { Locale } from '../i18n/i18n.ts';
import { createCodeCipher, type CodeCipher } from '../purchases/code-cipher.ts';
import type { RenderedEmail, Templates } from '../templates.ts';
import type { Config } from '../config.ts';
import { AUTOMATIC_HEADERS, isAutomaticEmail } from './automatic-emails.ts';
import { EmailRenderError, renderForSending, secretFactsOf, type EmailSecret } from './email-render.ts';
import type { MailTransport, OutgoingMessage } from './mail.transport.ts';
import { newReplyToken, replyAddress } from './reply-tokens.ts';
import {
  claimForSending,
  findEmail,
  insertEmailToSend,
  markAttemptFailed,
  markSent,
  markUnconfirmed,
  recordRendered,
  type EmailRow,
  type EmailToSend,
  type EmailWrite,
} from './mail.repository.ts';

/** How long a send may take before a row still marked 'sending' means its sender died. */
export const SENDING_LEASE_SECONDS = 120;

export interface EmailToQueue {
  requestId: number | null;
  template: string;
  locale: Locale;
  to: string;
  /** What the template needs, stored as JSON: plain values only, and never a secret. */
  facts: Record<string, unknown>;
  /** Facts stored encrypted (a code, a status link with its token), keyed by their template names. */
  secrets?: Record<string, EmailSecret>;
}

/** What queueing needs from the settings: the key for the secrets, INBOUND_DOMAIN for reply addresses. */
export type QueueSettings = Pick<Config, 'secretKey'> & { inbound: Pick<Config['inbound'], 'domain'> };

/**
 * Queues an email and its send job inside the caller's transaction (the email exists exactly when
 * the change that caused it does). Nothing is rendered here: the email job renders it from what
 * the row records (STYLE habit 5). With INBOUND_DOMAIN, an email about a request gets a reply
 * address of its own, its token issued in this transaction; an email about none (a staff
 * notification) gets none, as a token names a request and staff answer in the console.
 */
export async function queueEmail(
  tx: Queryable,
  settings: QueueSettings,
  email: EmailToQueue,
): Promise<number> {
  const domain = settings.inbound.domain;
  const replyTo =
    email.requestId !== null && domain
      ? replyAddress(await newReplyToken(tx, email.requestId), domain)
      : undefined;
  return insertEmailToSend(tx, {
    request_id: email.requestId,
    ...emailToWrite(settings.secretKey, email, replyTo),
  });
}

/**
 * The email row's part of `queueEmail`, for a statement that writes more (intake's). A reply
 * address is a secret fact like a status link (its token lets anyone write into the request):
 * stored encrypted as `replyTo`, while the facts the templates read hold it masked, so they can
 * say "answer by replying" and the recorded copy never holds the token.
 */
export function emailToWrite(
  secretKey: string,
  email: Omit<EmailToQueue, 'requestId'>,
  replyTo?: string,
): Omit<EmailWrite, 'request_id'> {
  const facts = { ...email.facts };
  const secrets = { ...email.secrets, ...(replyTo && { [REPLY_TO]: replyToSecret(replyTo) }) };
  let clear: Record<string, string> | undefined;
  for (const [key, secret] of Object.entries(secrets)) {
    facts[key] = secret.masked;
    (clear ??= {})[key] = secret.value;
  }
  return {
    template: email.template,
    locale: email.locale,
    to_address: email.to,
    facts,
    secret_facts_enc: clear ? cipherFor(secretKey).encrypt(JSON.stringify(clear)) : null,
  };
}

/** The fact that holds an email's reply address (masked in the facts, clear in the secret ones). */
export const REPLY_TO = 'replyTo';

function replyToSecret(address: string): EmailSecret {
  return { value: address, masked: address.replace(/^([^+@]*\+)[^@]*@/, '$1…@') };
}

/**
 * The customer's status link as a secret: its token is as good as a password (status tokens are
 * stored hashed), so the recorded copy links to the page without it.
 */
export function statusLinkSecret(statusUrl: string): EmailSecret {
  return { value: statusUrl, masked: statusUrl.replace(/\?token=.*$/, '') };
}

// One cipher a key: deriving it (HKDF) for every email would be wasted work.
const ciphers = new Map<string, CodeCipher>();
function cipherFor(secretKey: string): CodeCipher {
  let cipher = ciphers.get(secretKey);
  if (!cipher) ciphers.set(secretKey, (cipher = createCodeCipher(secretKey)));
  return cipher;
}

export type SendOutcome = 'sent' | 'already_done' | 'unconfirmed';

export class PermanentSendError extends Error {}

/** What sending needs. `cipher` opens and seals the secret parts; only the email job holds it. */
export interface MailSender {
  db: Queryable;
  transport: MailTransport;
  from: string;
  templates: Templates;
  cipher?: CodeCipher;
}

/**
 * Sends one email at most once. Only a row still 'pending' is sent; a row found 'sending' whose
 * sender has gone quiet past the lease is marked 'unconfirmed' for a person to check, never resent
 * by itself. A row not yet rendered is rendered from its facts and the copy kept before it leaves,
 * so "Send again" sends what was first rendered. `finalAttempt` marks the row failed if this fails.
 */
export async function sendEmail(
  sender: MailSender,
  emailId: number,
  finalAttempt: boolean,
): Promise<SendOutcome> {
  const { db, transport } = sender;
  const email = await claimForSending(db, emailId);
  if (!email) {
    const current = await findEmail(db, emailId);
    if (!current) throw new PermanentSendError(`email ${emailId} does not exist`);
    if (current.status !== 'sending') return 'already_done';
    if (await markUnconfirmed(db, emailId, SENDING_LEASE_SECONDS)) return 'unconfirmed';
    throw new Error(`email ${emailId} is being sent by another worker`);
  }
  let message: OutgoingMessage | undefined;
  try {
    const rendered = await messageToSend(sender, email);
    message = rendered && outgoing(sender, email, rendered);
  } catch (error) {
    // Nothing has left: the row goes back to pending (or failed, on the last try or when the
    // template cannot make it), never to 'unconfirmed', which would say it might have been sent.
    // A key that does not open it is the likely cause (SECRET_KEY changed without SECRET_KEY_PREVIOUS).
    const permanent = error instanceof EmailRenderError;
    await markAttemptFailed(
      db,
      emailId,
      `cannot prepare the email: ${describe(error)}`,
      permanent || finalAttempt,
    );
    throw permanent ? new PermanentSendError(describe(error)) : error;
  }
  if (!message) {
    await markAttemptFailed(db, emailId, 'encrypted email and no key to read it', true);
    throw new PermanentSendError(`email ${emailId} is encrypted and the sender has no key`);
  }
  try {
    await transport.send(message);
  } catch (error) {
    const permanent = isPermanentSmtpFailure(error);
    await markAttemptFailed(db, emailId, describe(error), permanent || finalAttempt);
    throw permanent ? new PermanentSendError(describe(error)) : error;
  }
  await markSent(db, emailId);
  return 'sent';
}

/**
 * The message with its headers: its Message-ID, the request's first email's as In-Reply-To and
 * References (so clients thread them), the reply address kept with the row (the same on a resend),
 * and Auto-Submitted on automatic mail. Only called once the message is ready, so a row with a
 * reply address (a secret fact) has a cipher here.
 */
function outgoing(sender: MailSender, email: EmailToSend, message: RenderedEmail): OutgoingMessage {
  const idOf = (uuid: string) => `<${uuid}@${senderDomain(sender.from)}>`;
  const first = email.first_message_uuid;
  const secrets =
    email.secret_facts_enc !== null && sender.cipher
      ? secretFactsOf(email.secret_facts_enc, sender.cipher)
      : {};
  return {
    id: email.id,
    from: sender.from,
    to: email.to_address,
    ...message,
    messageId: idOf(email.message_uuid),
    threadOf: first && first !== email.message_uuid ? idOf(first) : undefined,
    replyTo: secrets[REPLY_TO],
    headers: isAutomaticEmail(email.template) ? AUTOMATIC_HEADERS : {},
  };
}

/**
 * The message as it leaves: the recorded copy (its secret bodies decrypted) when the row was
 * rendered before (a resend, or a row written rendered), else rendered now from its facts and
 * recorded first. Undefined when it carries a secret and the sender has no key.
 */
async function messageToSend(sender: MailSender, email: EmailRow): Promise<RenderedEmail | undefined> {
  const { cipher } = sender;
  if (email.subject !== null && email.html !== null && email.text !== null) {
    if (email.secret_html_enc === null || email.secret_text_enc === null)
      return { subject: email.subject, html: email.html, text: email.text };
    if (!cipher) return undefined;
    return {
      subject: email.subject,
      html: cipher.decrypt(email.secret_html_enc),
      text: cipher.decrypt(email.secret_text_enc),
    };
  }
  const rendered = renderForSending(sender.templates, email, cipher);
  if (!rendered) return undefined;
  await recordRendered(sender.db, email.id, {
    ...rendered.record,
    secret_html_enc: rendered.secretHtmlEnc,
    secret_text_enc: rendered.secretTextEnc,
  });
  return rendered.sent;
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
