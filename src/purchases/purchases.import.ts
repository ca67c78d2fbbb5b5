import type { Db } from '../db/db.ts';
import type { PreparedBatch } from './purchase-batch.ts';
import { readField, readRawRecords, readRecord, type PurchaseFile, type RawRecord } from './purchase-file.ts';
import { parsePurchaseRow, readLicenseNumber } from './purchase-row.ts';
import { analyzePurchases, upsertPurchases, type CopyChunk } from './purchases.repository.ts';
import { RepeatedLicenseNumbers } from './repeated-license-numbers.ts';
import { defaultThreads, startPreparers, type BatchPreparers } from './row-workers.ts';

export interface ImportCounts {
  /** Every row of the file: inserted + updated + unchanged + rejected. */
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportProgress {
  /** First the file is read through once to check it, then it is read again and written. */
  phase: 'checking' | 'importing';
  rows: number;
  /** Known while importing: the rows the check counted. */
  totalRows?: number;
  bytes: number;
  totalBytes: number;
}

export interface ImportListener {
  rejected?(line: number, reason: string): void;
  progress?(progress: ImportProgress): void;
}

/**
 * `desk import purchases FILE` (README "The `desk` command"). The file is streamed twice, never held whole.
 * `threads`: worker threads (0: all on this thread); by default one a core for a large file.
 *
 * 1. check: which licence numbers appear on more than one valid row, and the last line of each
 *    (a Bloom filter of ~1.2 MB a million rows, see repeated-license-numbers.ts; nothing is
 *    written yet, so a file that is not a purchases file at all fails before any change);
 * 2. import: the main thread reads records and streams to COPY; worker threads (row-workers.ts:
 *    none on two cores) validate each row again, encrypt and fingerprint its code. A row whose
 *    licence number appears again further down is rejected, naming the later line, since the
 *    later row wins. Knowing that before writing keeps a re-import of a file with repeated
 *    licence numbers from rewriting those records twice. The rest is written in batches, each
 *    an idempotent upsert keyed by licence number.
 */
export async function importPurchases(
  db: Db,
  file: PurchaseFile,
  secretKey: string,
  listener: ImportListener = {},
  threads = file.size >= WORKER_MIN_BYTES ? defaultThreads() : 0,
): Promise<ImportCounts> {
  // Started first: the workers load while this thread checks the file.
  const workers = startPreparers(secretKey, threads);
  try {
    const { repeated, rows: totalRows } = await findRepeatedLicenseNumbers(file, listener);
    workers.repeated(repeated.lastLines());
    const counts: ImportCounts = { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
    const prepared = preparedBatches(file, workers, (batch, records, bytes) => {
      counts.rows += records;
      for (const [line, reason] of batch.rejected) {
        counts.rejected++;
        listener.rejected?.(line, reason);
      }
      listener.progress?.({ phase: 'importing', rows: counts.rows, totalRows, bytes, totalBytes: file.size });
    });
    await upsertPurchases(db, prepared, (written) => {
      counts.inserted += written.inserted;
      counts.updated += written.updated;
      counts.unchanged += written.unchanged;
    });
    if (counts.inserted + counts.updated > 0) await analyzePurchases(db);
    return counts;
  } finally {
    await workers.close();
  }
}

// Below this a file is prepared on this thread: starting the workers (most of a second, several
// under tsx) would cost more than they save.
const WORKER_MIN_BYTES = 8 * 1024 * 1024;

// Records a message to a worker: enough that messaging costs little beside the rows' own work,
// few enough that the COPY stream's buffer (16 chunks, one a batch) stays a few megabytes.
const BATCH_RECORDS = 250;
// Batches sent ahead of the one awaited (per worker, two: one being worked, one waiting).
const AHEAD = 2;

/**
 * The file's records, read on this thread and cut into batches that the workers prepare; their
 * results come back in file order (so rejected rows are reported in line order), each told to
 * `settled` with the records it held and how far into the file the reader is.
 */
async function* preparedBatches(
  file: PurchaseFile,
  workers: BatchPreparers,
  settled: (batch: PreparedBatch, records: number, bytes: number) => void,
): AsyncGenerator<CopyChunk> {
  const reader = readRawRecords(file);
  const inFlight: { records: number; prepared: Promise<PreparedBatch> }[] = [];
  const send = (records: RawRecord[]) => {
    const prepared = workers.prepare({ format: file.format, header: reader.header(), records });
    prepared.catch(() => {}); // awaited below, unless the import stopped first
    inFlight.push({ records: records.length, prepared });
  };
  const next = async (): Promise<CopyChunk> => {
    const { records, prepared } = inFlight.shift()!;
    const batch = await prepared;
    settled(batch, records, reader.bytesRead());
    return { text: batch.copy, rows: batch.rows };
  };
  let records: RawRecord[] = [];
  for await (const record of reader.records) {
    records.push(record);
    if (records.length < BATCH_RECORDS) continue;
    send(records);
    records = [];
    if (inFlight.length > AHEAD * workers.size) yield await next();
  }
  if (records.length) send(records);
  while (inFlight.length) yield await next();
}

// No row of a purchases file is this short: an upper bound of its rows, to size the filter.
const MIN_ROW_BYTES = 100;

/**
 * The check reads each row's licence number only: a row needs validating here only when its
 * number may have been seen before, since only a later valid row can displace an earlier one.
 */
async function findRepeatedLicenseNumbers(file: PurchaseFile, listener: ImportListener) {
  const repeated = new RepeatedLicenseNumbers(file.size / MIN_ROW_BYTES);
  const reader = readRawRecords(file);
  let rows = 0;
  for await (const record of reader.records) {
    rows++;
    const header = reader.header();
    const licenseNumber = readLicenseNumber(readField(file.format, header, record, 'license_number'));
    if (licenseNumber !== null && repeated.mayRepeat(licenseNumber)) {
      const read = readRecord(file.format, header, record);
      const parsed = 'values' in read ? parsePurchaseRow(read.values) : undefined;
      if (parsed?.ok) repeated.seeAgain(parsed.row.license_number, record.line);
    }
    if (rows % 1000 === 0) {
      listener.progress?.({ phase: 'checking', rows, bytes: reader.bytesRead(), totalBytes: file.size });
    }
  }
  return { repeated, rows };
}
