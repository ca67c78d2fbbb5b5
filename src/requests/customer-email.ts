import type { Config } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import type { Locale } from '../i18n/i18n.ts';
import type { EmailWrite } from '../mail/mail.repository.ts';
import { emailToWrite, queueEmail, statusLinkSecret, type EmailToQueue } from '../mail/mail.service.ts';
import { replyAddress } from '../mail/reply-tokens.ts';
import { newStatusToken } from './reference.ts';
import { insertStatusToken } from './requests.repository.ts';

/**
 * A new link to a request's status page, for one email. Status tokens are stored hashed, so an
 * earlier link cannot be sent again: each email gets a token of its own, and every one keeps working.
 */
export async function newStatusLink(
  tx: Queryable,
  publicUrl: string,
  request: { id: number; reference: string },
): Promise<string> {
  const { token, hash } = newStatusToken();
  await insertStatusToken(tx, request.id, hash);
  return `${publicUrl}/requests/${request.reference}?token=${token}`;
}

/** The form, in the reader's language: where "file a new request" leads. */
export function formUrl(publicUrl: string, locale: Locale): string {
  return `${publicUrl}/recover?lang=${locale}`;
}

/**
 * An email to the requester as a decision writes it (with any secret facts of its own, such as
 * the satisfaction links); queueEmailToRequester adds the status link.
 */
export type RequesterEmail = Omit<EmailToQueue, 'requestId'>;

/**
 * Queues an email to the requester with their next steps at hand: `statusUrl`, a fresh link to
 * their status page (where they can read the outcome and write to us; kept encrypted like a code,
 * see statusLinkSecret), and `formUrl`.
 */
export async function queueEmailToRequester(
  tx: Queryable,
  deps: { config: Pick<Config, 'publicUrl' | 'secretKey' | 'inbound'> },
  request: { id: number; reference: string },
  email: RequesterEmail,
): Promise<number> {
  const { publicUrl } = deps.config;
  const statusUrl = await newStatusLink(tx, publicUrl, request);
  return queueEmail(tx, deps.config, {
    ...withNextSteps(publicUrl, email, statusUrl),
    requestId: request.id,
  });
}

/**
 * The row queueEmailToRequester would write (template, locale, facts), but with no token issued and
 * nothing stored: what a decision's preview renders. Its facts hold the status link and the
 * reply address (with INBOUND_DOMAIN) as every recorded copy does, without a token.
 */
export function requesterEmailPreview(
  config: Pick<Config, 'publicUrl' | 'secretKey' | 'inbound'>,
  request: { reference: string },
  email: RequesterEmail,
): Pick<EmailWrite, 'template' | 'locale' | 'facts'> {
  const link = `${config.publicUrl}/requests/${request.reference}?token=preview`;
  const domain = config.inbound.domain;
  const { template, locale, facts } = emailToWrite(
    config.secretKey,
    withNextSteps(config.publicUrl, email, link),
    domain && replyAddress('preview', domain),
  );
  return { template, locale, facts };
}

function withNextSteps(
  publicUrl: string,
  email: RequesterEmail,
  statusUrl: string,
): Omit<EmailToQueue, 'requestId'> {
  return {
    ...email,
    facts: { ...email.facts, formUrl: formUrl(publicUrl, email.locale) },
    secrets: { ...email.secrets, statusUrl: statusLinkSecret(statusUrl) },
  };
}
