import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import type { Db, Queryable } from '../db/db.ts';
import { outboxDir, outboxFileName } from '../mail/mail.transport.ts';
import {
  countPurgeable,
  deleteAttachmentChunks,
  deleteInboundMessages,
  listAttachmentPaths,
  listEmailIds,
  lockPurgeable,
  redactAttachments,
  redactEmails,
  redactEvents,
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
  purged: number;
  /** Uploaded files: their chunks in the database, or files an older desk left under DATA_DIR. */
  filesRemoved: number;
  /** .eml files of the requests' emails, written to DATA_DIR/outbox when SMTP_URL was not set. */
  outboxFilesRemoved: number;
}

/**
 * Redacts the personal data of requests closed more than `olderThanDays` days ago: names,
 * addresses, free text, uploaded files, the bodies of the emails sent. What audit needs stays:
 * reference, status, licence and order, decisions with who made them and when, verdicts, email
 * templates and times. Each batch is one transaction; a request purged once is never touched
 * again, so running it twice changes nothing the second time.
 */
export async function purgeClosedRequests(
  deps: { db: Db; dataDir: string },
  olderThanDays: number,
): Promise<PurgeResult> {
  const result: PurgeResult = { purged: 0, filesRemoved: 0, outboxFilesRemoved: 0 };
  for (;;) {
    const done = await deps.db.transaction(async (tx) => {
      const ids = await lockPurgeable(tx, olderThanDays, BATCH);
      if (ids.length === 0) return 0;
      // Files an older desk left on disk go before the rows forget them: should the commit fail, the
      // next run removes none twice (rmSync force) and still finds the rows to redact.
      for (const file of await listAttachmentPaths(tx, ids)) {
        rmSync(path.join(deps.dataDir, file), { force: true });
        result.filesRemoved++;
      }
      result.outboxFilesRemoved += await removeOutboxFiles(tx, deps.dataDir, ids);
      // Rows first, then content: the row lock makes a `desk migrate` moving a file in meanwhile
      // either finish before (and its chunks go here) or find the row purged (and move nothing).
      await redactAttachments(tx, ids);
      result.filesRemoved += await deleteAttachmentChunks(tx, ids);
      await deleteInboundMessages(tx, ids);
      await redactEmails(tx, ids);
      await redactEvents(tx, ids, AUDIT_KEYS);
      await redactMatchResults(tx, ids);
      await redactRequests(tx, ids);
      return ids.length;
    });
    result.purged += done;
    if (done < BATCH) return result;
  }
}

/** The emails as sent (codes and status links included) are as personal as the rows: they go too. */
async function removeOutboxFiles(tx: Queryable, dataDir: string, ids: number[]): Promise<number> {
  let removed = 0;
  for (const emailId of await listEmailIds(tx, ids)) {
    const file = path.join(outboxDir(dataDir), outboxFileName(emailId));
    if (!existsSync(file)) continue;
    rmSync(file, { force: true });
    removed++;
  }
  return removed;
}

export const purgeableCount = (db: Db, olderThanDays: number) => countPurgeable(db, olderThanDays);
