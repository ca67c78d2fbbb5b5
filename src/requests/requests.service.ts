import type { Queryable } from '../db/db.ts';
import type { IntakeChannel } from './intake-channel.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError, RateLimitedError, ValidationError, type FieldErrors } from '../errors.ts';
import type { Locale } from '../i18n/i18n.ts';
import { emailToWrite, statusLinkSecret } from '../mail/mail.service.ts';
import { drawReplyToken, replyAddress } from '../mail/reply-tokens.ts';
import { checkUpload, type AttachmentProblem, type ReceivedFile } from './attachments.ts';
import { fileCipherOf, storeAttachment, whenWriterFree } from './attachment-store.ts';
import { hashToken, newReference, newStatusToken, normaliseReference, tokenMatches } from './reference.ts';
import {
  findByReference,
  hasStatusToken,
  insertFiledRequest,
  type RecoveryRequestRow,
} from './requests.repository.ts';
import { parseRecoveryRequest, type NewRecoveryRequest } from './requests.schema.ts';
import { isUniqueViolation } from '../db/db.ts';

export interface Filing {
  input: unknown;
  locale: Locale;
  clientIp: string;
  /** Which way it came in, recorded in its `received` event. */
  channel: IntakeChannel;
  /** The proof of purchase, as a temporary file (upload-reader.ts), or why it was refused. */
  attachment?: ReceivedFile | AttachmentProblem;
}

export interface Filed {
  reference: string;
  status: string;
  token: string;
  statusUrl: string;
}

const REFERENCE_TRIES = 5;

/**
 * Counts an attempt to file against its client address's hourly limit, whatever comes of it, and
 * before its body is read (README "Security"): refused requests and refused uploads cost a point too, so no
 * one can send unlimited 5 MB uploads. Over the limit: RateLimitedError.
 */
export async function admitIntakeFrom(deps: WebDeps, clientIp: string): Promise<void> {
  const wait = await deps.intakeLimits.consumeAddress(clientIp);
  if (wait === null) return;
  deps.metrics.intake.inc({ outcome: 'rate_limited' });
  throw new RateLimitedError(wait);
}

/**
 * Files a recovery request (status `received`) from an address admitIntakeFrom() let in:
 * validate everything, count it against its mailbox's daily limit, then store the request, its
 * acknowledgement email and its match job in one transaction, so that nothing is half-stored and
 * nothing waits on Redis.
 */
export async function fileRecoveryRequest(deps: WebDeps, filing: Filing): Promise<Filed> {
  const parsed = parseRecoveryRequest(filing.input, latestDateOnEarth());
  const given = filing.attachment;
  const checked = typeof given === 'object' ? await checkUpload(given) : given;
  const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
  if (typeof checked === 'string') errors.attachment = { key: checked };
  if (!parsed.ok || typeof checked === 'string') {
    deps.metrics.intake.inc({ outcome: 'invalid' });
    throw new ValidationError(errors);
  }
  const request = parsed.value;
  const wait = await deps.intakeLimits.consumeMailbox(request.email);
  if (wait !== null) {
    deps.metrics.intake.inc({ outcome: 'rate_limited' });
    throw new RateLimitedError(wait);
  }
  const locale = request.locale ?? filing.locale;
  const filed = checked
    ? await whenWriterFree(() =>
        storeWithFreshReference(deps, request, locale, filing.clientIp, filing.channel, (tx, requestId) =>
          storeAttachment(tx, fileCipherOf(deps.config), requestId, checked),
        ),
      )
    : await storeWithFreshReference(deps, request, locale, filing.clientIp, filing.channel);
  deps.metrics.intake.inc({ outcome: 'accepted' });
  deps.relay.wake();
  return filed;
}

/**
 * Stores a valid request with its acknowledgement email, match job and request.filed webhook
 * deliveries, atomically (one statement, or one transaction when there is more to store), under a
 * fresh reference. Intake calls it after its checks; `desk demo` calls it directly.
 */
export async function storeWithFreshReference(
  deps: Pick<WebDeps, 'db' | 'config'>,
  request: NewRecoveryRequest,
  locale: Locale,
  clientIp: string,
  channel: IntakeChannel,
  /** More to store in the same transaction (an attachment); without it, filing is one statement. */
  alsoInTransaction?: (tx: Queryable, requestId: number) => Promise<void>,
): Promise<Filed> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Without more to store, one statement (one round trip, atomic by itself): keep it so, intake
      // under a database outage depends on it (test/faults.postgres-outage.test.ts).
      if (!alsoInTransaction)
        return (await insertFiled(deps.db, deps.config, request, locale, clientIp, channel)).filed;
      return await deps.db.transaction(async (tx) => {
        const { id, filed } = await insertFiled(tx, deps.config, request, locale, clientIp, channel);
        await alsoInTransaction(tx, id);
        return filed;
      });
    } catch (error) {
      // 40 random bits make a clash rare; when one happens, draw again.
      if (attempt < REFERENCE_TRIES && isUniqueViolation(error, 'recovery_requests_reference_key')) continue;
      throw error;
    }
  }
}

/** A reply token for the acknowledgement, with INBOUND_DOMAIN: its address, and the hash to store. */
function replyTokenFor(domain: string | undefined): { address: string; hash: string } | undefined {
  if (!domain) return undefined;
  const { token, hash } = drawReplyToken();
  return { address: replyAddress(token, domain), hash };
}

/**
 * Inserts a valid request, its `received` event, acknowledgement email, match job and webhook
 * deliveries under a new reference, in one statement on `q` (the database, or a caller's transaction: an email's
 * follow-up request is filed in the transaction that threads the email). A clash of references
 * throws the unique violation; storeWithFreshReference draws again, a caller's transaction retries.
 */
export async function insertFiled(
  q: Queryable,
  config: Pick<WebDeps['config'], 'publicUrl' | 'secretKey' | 'dueHours' | 'inbound'>,
  request: NewRecoveryRequest,
  locale: Locale,
  clientIp: string | null,
  channel: IntakeChannel,
): Promise<{ id: number; filed: Filed }> {
  const reference = newReference();
  const { token, hash } = newStatusToken();
  const statusUrl = `${config.publicUrl}/requests/${reference}?token=${token}`;
  const row = { ...request, reference, statusTokenHash: hash, locale, clientIp, dueHours: config.dueHours };
  // What to send, not the email: the email job renders it (only the status link and the reply
  // address are encrypted here). The reply token's hash is stored by the same statement.
  const reply = replyTokenFor(config.inbound.domain);
  const email = emailToWrite(
    config.secretKey,
    {
      template: 'request-received',
      locale,
      to: request.email,
      facts: { name: request.name, reference },
      secrets: { statusUrl: statusLinkSecret(statusUrl) },
    },
    reply?.address,
  );
  const id = await insertFiledRequest(q, row, { channel }, email, reply?.hash ?? null);
  return { id, filed: { reference, status: 'received', token, statusUrl } };
}

/**
 * The customer's view of a request. A wrong reference and a wrong token look the same
 * (404), so the page tells nothing to someone without the link.
 */
export async function findRequestForCustomer(
  deps: Pick<WebDeps, 'db'>,
  referenceInput: string,
  token: string | undefined,
): Promise<RecoveryRequestRow> {
  const reference = normaliseReference(referenceInput);
  const row = reference ? await findByReference(deps.db, reference) : undefined;
  // A request-info email carries a fresh link (decisions); its token counts as much as the first.
  const valid =
    row &&
    token &&
    (tokenMatches(token, row.status_token_hash) || (await hasStatusToken(deps.db, row.id, token)));
  if (!row || !token || !valid) {
    // Spend the same hashing work either way, so timing does not tell a reference exists.
    if (!row && token) hashToken(token);
    throw new NotFoundError('No request with this reference and token.');
  }
  return row;
}

/** The calendar date in the zone furthest ahead of UTC (UTC+14): no purchase made today is "in the future". */
function latestDateOnEarth(now = new Date()): string {
  return new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
}
