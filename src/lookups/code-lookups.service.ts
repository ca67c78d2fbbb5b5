import { recordAudit } from '../audit/audit.repository.ts';
import { maskEmail } from '../codes/activation-code.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import type { WebDeps } from '../deps.ts';
import { RateLimitedError, ValidationError } from '../errors.ts';
import { isLocale, type Locale } from '../i18n/i18n.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { queueEmail } from '../mail/mail.service.ts';
import type { Relay } from '../outbox/outbox.relay.ts';
import { createCodeCipher } from '../purchases/code-cipher.ts';
import { formUrl } from '../requests/customer-email.ts';
import { parseCodeLookup } from './code-lookups.schema.ts';
import {
  findPurchasesOfMailbox,
  finishCodeLookup,
  insertCodeLookup,
  insertLookupCodes,
  lockCodeLookup,
  type LockedLookup,
  type LookupPurchase,
} from './code-lookups.repository.ts';
import { lookupEmail } from './lookup-email.ts';

/** The most licences one email lists (newest first); it says how many there are in all. */
export const MAX_LICENCES_LISTED = 50;

/** Why a lookup was refused: the client address's hourly limit, or the mailbox's daily one. */
export class LookupLimitedError extends RateLimitedError {
  constructor(
    readonly scope: 'address' | 'mailbox',
    wait: number,
  ) {
    super(
      wait,
      scope === 'address'
        ? 'Too many lookups from this address in the last hour. Try again later.'
        : 'This email address was looked up three times today already. Try again tomorrow.',
    );
  }
}

/** Counts a lookup against its client address's hourly limit, before its body is read. */
export async function admitLookupFrom(
  deps: Pick<WebDeps, 'codeLookupLimits'>,
  clientIp: string,
): Promise<void> {
  const wait = await deps.codeLookupLimits.consumeAddress(clientIp);
  if (wait !== null) throw new LookupLimitedError('address', wait);
}

/**
 * A customer's "Email me my codes". The same work whatever the address holds, so neither the
 * answer nor its time can tell: validate, count the mailbox's daily limit, then in one transaction
 * the audit entry and the lookup with its job. Purchases are read by the job, never here.
 */
export async function askForCodes(
  deps: Pick<WebDeps, 'db' | 'relay' | 'codeLookupLimits'>,
  ask: { input: unknown; locale: Locale; clientIp: string },
): Promise<void> {
  const parsed = parseCodeLookup(ask.input);
  if (!parsed.ok) throw new ValidationError(parsed.errors);
  const email = parsed.value.email;
  const mailbox = normaliseMailbox(email);
  const audit = { actor: { anonymous: 'customer' }, subject: maskEmail(email), address: ask.clientIp };
  const wait = await deps.codeLookupLimits.consumeMailbox(mailbox);
  if (wait !== null) {
    await recordAudit(deps.db, { ...audit, action: 'code_lookup', data: { refused: 'mailbox_limit' } });
    throw new LookupLimitedError('mailbox', wait);
  }
  const locale = parsed.value.locale ?? ask.locale;
  await deps.db.transaction(async (tx) => {
    const lookupId = await insertCodeLookup(tx, { email, mailbox, locale, clientIp: ask.clientIp });
    await recordAudit(tx, { ...audit, action: 'code_lookup', data: { lookup_id: lookupId } });
  });
  deps.relay.wake();
}

export interface LookupJobDeps {
  db: Db;
  config: Config;
  relay: Relay;
}

export type LookupOutcome = 'sent' | 'nothing_found' | 'already_done';

/**
 * The lookup's job: the purchases of exactly the lookup's mailbox, listed in one email to the
 * address given, in one transaction with the lookup marked done (a retry or a second run acts
 * once). Nothing is sent when nothing belongs to the mailbox.
 */
export async function answerCodeLookup(deps: LookupJobDeps, lookupId: number): Promise<LookupOutcome> {
  const outcome = await deps.db.transaction(async (tx): Promise<LookupOutcome> => {
    const lookup = await lockCodeLookup(tx, lookupId);
    if (!lookup) throw new MissingLookupError(lookupId);
    if (lookup.status === 'done' || lookup.email === null || lookup.mailbox === null) return 'already_done';
    const { purchases, total } = await findPurchasesOfMailbox(tx, lookup.mailbox, MAX_LICENCES_LISTED);
    // Belt and braces: only this mailbox's licences, only to the address given for it.
    if (purchases.some((p) => p.purchaser_mailbox !== normaliseMailbox(lookup.email!)))
      throw new Error(`lookup ${lookupId}: a purchase of another mailbox was read`);
    if (purchases.length === 0) {
      await finishCodeLookup(tx, lookupId, { licences: 0, emailId: null });
      return 'nothing_found';
    }
    const emailId = await emailTheLicences(
      tx,
      deps.config,
      { ...lookup, email: lookup.email },
      purchases,
      total,
    );
    await finishCodeLookup(tx, lookupId, { licences: purchases.length, emailId });
    return 'sent';
  });
  if (outcome === 'sent') deps.relay.wake();
  return outcome;
}

/** Queues the email listing the licences, records which codes it carries, and audits it. */
async function emailTheLicences(
  tx: Queryable,
  config: Config,
  lookup: LockedLookup & { email: string },
  purchases: LookupPurchase[],
  total: number,
): Promise<number> {
  const cipher = createCodeCipher(config.secretKey, config.secretKeyPrevious);
  const locale = isLocale(lookup.locale) ? lookup.locale : 'en';
  const email = lookupEmail(purchases, total, (enc) => cipher.decrypt(enc), {
    formUrl: formUrl(config.publicUrl, locale),
    today: new Date().toISOString().slice(0, 10),
  });
  const emailId = await queueEmail(tx, config, {
    requestId: null,
    template: 'code-lookup',
    locale,
    to: lookup.email,
    facts: email.facts,
    secrets: email.secrets,
  });
  await insertLookupCodes(tx, lookup.id, email.codesOf);
  const codes = purchases.filter((p) => email.codesOf.includes(Number(p.id))).map((p) => p.license_number);
  await recordAudit(tx, {
    actor: { anonymous: 'code lookup job' },
    action: 'codes_emailed',
    subject: maskEmail(lookup.email),
    data: { lookup_id: lookup.id, licences: purchases.length, codes },
  });
  return emailId;
}

export class MissingLookupError extends Error {
  constructor(id: number) {
    super(`code lookup ${id} does not exist`);
  }
}
