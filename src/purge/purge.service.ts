import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import type { Db, Queryable } from '../db/db.ts';
import { outboxDir, outboxFileName } from '../mail/mail.transport.ts';
import {
  countPurgeable,
  countPurgeableLookups,
  deleteAttachmentChunks,
  deleteBouncesOf,
  deleteInboundMessages,
  listAttachmentPaths,
  listEmailIds,
  lockPurgeable,
  lockPurgeableLookups,
  redactAttachments,
  redactEmails,
  redactEvents,
  redactLookups,
  redactMatchResults,
  redactRequests,
} from './purge.repository.ts';

/** Event details that name no person: what was decided, not who asked or what they wrote. */
const AUDIT_KEYS = [
  'approval_id',
  'amount',
  'currency',
  'mode',
  'reason',
  'kind',
  'email', // the template's name, e.g. request-rejected
  'macro', // the macro a question or rejection used: its id and name
  'requester_notified',
  'verdict',
  'score',
  'flags',
  'license_number',
  'auto',
  'channel',
  'answer', // a satisfaction answer: helpful or not_helpful
] as const;
const BATCH = 500;

export interface PurgeResult {
  /** Closed requests redacted. */
  purged: number;
  /** "Email me my codes" lookups redacted, with the email each sent. */
  lookupsPurged: number;
  /** Uploaded files: their chunks in the database, or files an older desk left under DATA_DIR. */
  filesRemoved: number;
  /** .eml files of the requests' and lookups' emails, written to DATA_DIR/outbox when SMTP_URL was not set. */
  outboxFilesRemoved: number;
}

/**
 * Redacts the personal data of requests closed more than `olderThanDays` days ago: names,
 * addresses, free text, uploaded files, the bodies of the emails sent. What audit needs stays:
 * reference, status, licence and order, decisions with who made them and when, verdicts, email
 * templates and times. Then the same for "Email me my codes" lookups made that long ago and
 * answered: the address, mailbox and client address go, and their email as a request's does. Each batch is one
 * transaction; what was purged once is never touched again, so running it twice changes nothing
 * the second time.
 */
export async function purgeClosedRequests(
  deps: { db: Db; dataDir: string },
  olderThanDays: number,
): Promise<PurgeResult> {
  const result: PurgeResult = { purged: 0, lookupsPurged: 0, filesRemoved: 0, outboxFilesRemoved: 0 };
  for (const purgeBatch of [purgeRequests, purgeLookups]) {
    let done: number;
    do {
      done = await deps.db.transaction((tx) => purgeBatch(tx, deps.dataDir, olderThanDays, result));
    } while (done === BATCH);
  }
  return result;
}

/** One batch of closed requests; how many it held. */
async function purgeRequests(
  tx: Queryable,
  dataDir: string,
  olderThanDays: number,
  result: PurgeResult,
): Promise<number> {
  const ids = await lockPurgeable(tx, olderThanDays, BATCH);
  if (ids.length === 0) return 0;
  // Files an older desk left on disk go before the rows forget them: should the commit fail, the
  // next run removes none twice (rmSync force) and still finds the rows to redact.
  for (const file of await listAttachmentPaths(tx, ids)) {
    rmSync(path.join(dataDir, file), { force: true });
    result.filesRemoved++;
  }
  const emailIds = await listEmailIds(tx, ids);
  result.outboxFilesRemoved += removeOutboxFiles(dataDir, emailIds);
  // Rows first, then content: the row lock makes a `desk migrate` moving a file in meanwhile
  // either finish before (and its chunks go here) or find the row purged (and move nothing).
  await redactAttachments(tx, ids);
  result.filesRemoved += await deleteAttachmentChunks(tx, ids);
  await deleteInboundMessages(tx, ids);
  await redactEmails(tx, emailIds);
  await redactEvents(tx, ids, AUDIT_KEYS);
  await redactMatchResults(tx, ids);
  await redactRequests(tx, ids);
  result.purged += ids.length;
  return ids.length;
}

/**
 * One batch of answered lookups; how many it held. Neither `repeat_recovery` (code_lookup_codes,
 * kept) nor the lookup limits (Redis) read what goes here.
 */
async function purgeLookups(
  tx: Queryable,
  dataDir: string,
  olderThanDays: number,
  result: PurgeResult,
): Promise<number> {
  const lookups = await lockPurgeableLookups(tx, olderThanDays, BATCH);
  if (lookups.length === 0) return 0;
  const emailIds = lookups.flatMap((l) => (l.email_id === null ? [] : [l.email_id]));
  result.outboxFilesRemoved += removeOutboxFiles(dataDir, emailIds);
  await deleteBouncesOf(tx, emailIds);
  await redactEmails(tx, emailIds);
  await redactLookups(
    tx,
    lookups.map((l) => l.id),
  );
  result.lookupsPurged += lookups.length;
  return lookups.length;
}

/** The emails as sent (codes and status links included) are as personal as the rows: they go too. */
function removeOutboxFiles(dataDir: string, emailIds: number[]): number {
  let removed = 0;
  for (const emailId of emailIds) {
    const file = path.join(outboxDir(dataDir), outboxFileName(emailId));
    if (!existsSync(file)) continue;
    rmSync(file, { force: true });
    removed++;
  }
  return removed;
}

/** What a purge would redact now: closed requests and answered lookups past retention. */
export async function purgeableCount(
  db: Db,
  olderThanDays: number,
): Promise<{ requests: number; lookups: number }> {
  return {
    requests: await countPurgeable(db, olderThanDays),
    lookups: await countPurgeableLookups(db, olderThanDays),
  };
}
