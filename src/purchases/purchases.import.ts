import type { Db } from '../db/db.ts';
import { orderNumberKey } from '../identifiers/identifiers.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { createCodeCipher } from './code-cipher.ts';
import { createCodeFingerprint } from './code-fingerprint.ts';
import { readRecords, type PurchaseFile } from './purchase-file.ts';
import { parsePurchaseRow, readLicenseNumber, type PurchaseRow } from './purchase-row.ts';
import { analyzePurchases, upsertPurchases, type PurchaseWrite } from './purchases.repository.ts';
import { RepeatedLicenseNumbers } from './repeated-license-numbers.ts';

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
 * `desk import purchases FILE` (README "The `desk` command"). The file is streamed twice, never held whole:
 *
 * 1. check: which licence numbers appear on more than one valid row, and the last line of each
 *    (a Bloom filter of ~1.2 MB a million rows, see repeated-license-numbers.ts; nothing is
 *    written yet, so a file that is not a purchases file at all fails before any change);
 * 2. import: each row validated again; a row whose licence number appears again further down is
 *    rejected, naming the later line, since the later row wins. Knowing that before writing keeps
 *    a re-import of a file with repeated licence numbers from rewriting those records twice.
 *    The rest is written in batches, each an idempotent upsert keyed by licence number.
 */
export async function importPurchases(
  db: Db,
  file: PurchaseFile,
  secretKey: string,
  listener: ImportListener = {},
): Promise<ImportCounts> {
  const { repeated, rows: totalRows } = await findRepeatedLicenseNumbers(file, listener);
  const counts: ImportCounts = { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
  const reject = (line: number, reason: string) => {
    counts.rejected++;
    listener.rejected?.(line, reason);
  };
  const reader = readRecords(file);
  const toWrite = writer(secretKey);

  async function* rowsToWrite(): AsyncGenerator<PurchaseWrite> {
    for await (const record of reader.records) {
      if (++counts.rows % 1000 === 0) {
        listener.progress?.({
          phase: 'importing',
          rows: counts.rows,
          totalRows,
          bytes: reader.bytesRead(),
          totalBytes: file.size,
        });
      }
      const parsed =
        'error' in record ? { ok: false as const, reason: record.error } : parsePurchaseRow(record.values);
      if (!parsed.ok) {
        reject(record.line, parsed.reason);
        continue;
      }
      const last = repeated.lastLine(parsed.row.license_number);
      if (last !== undefined && last > record.line) {
        reject(
          record.line,
          `licence number ${parsed.row.license_number} appears again on line ${last}, imported instead`,
        );
        continue;
      }
      yield toWrite(parsed.row);
    }
  }

  await upsertPurchases(db, rowsToWrite(), (written) => {
    counts.inserted += written.inserted;
    counts.updated += written.updated;
    counts.unchanged += written.unchanged;
  });
  if (counts.inserted + counts.updated > 0) await analyzePurchases(db);
  return counts;
}

// No row of a purchases file is this short: an upper bound of its rows, to size the filter.
const MIN_ROW_BYTES = 100;

/**
 * The check reads each row's licence number only: a row needs validating here only when its
 * number may have been seen before, since only a later valid row can displace an earlier one.
 */
async function findRepeatedLicenseNumbers(file: PurchaseFile, listener: ImportListener) {
  const repeated = new RepeatedLicenseNumbers(file.size / MIN_ROW_BYTES);
  const reader = readRecords(file);
  let rows = 0;
  for await (const record of reader.records) {
    rows++;
    const licenseNumber = 'values' in record ? readLicenseNumber(record.values) : null;
    if ('values' in record && licenseNumber !== null && repeated.mayRepeat(licenseNumber)) {
      const parsed = parsePurchaseRow(record.values);
      if (parsed.ok) repeated.seeAgain(parsed.row.license_number, record.line);
    }
    if (rows % 1000 === 0) {
      listener.progress?.({ phase: 'checking', rows, bytes: reader.bytesRead(), totalBytes: file.size });
    }
  }
  return { repeated, rows };
}

function writer(secretKey: string): (row: PurchaseRow) => PurchaseWrite {
  const cipher = createCodeCipher(secretKey);
  const fingerprint = createCodeFingerprint(secretKey);
  return (row) => ({
    license_number: row.license_number,
    license_key: row.license_key,
    order_number: row.order_number,
    order_key: orderNumberKey(row.order_number),
    channel: row.channel,
    store: row.store,
    country: row.country,
    purchased_at: row.purchased_at,
    purchaser_email: row.purchaser_email,
    purchaser_mailbox: normaliseMailbox(row.purchaser_email),
    purchaser_name: row.purchaser_name,
    product_sku: row.product_sku,
    product_name: row.product_name,
    seats: row.seats,
    term_days: row.term_days,
    license_type: row.license_type,
    activation_code_enc: cipher.encrypt(row.activation_code),
    activation_code_hmac: fingerprint(row.activation_code),
    first_activated_at: row.first_activated_at,
    status: row.status,
    price: row.price,
    currency: row.currency,
  });
}
