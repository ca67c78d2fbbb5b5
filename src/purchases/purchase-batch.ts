import { readRecord, type PurchaseFile, type RawRecord } from './purchase-file.ts';
import { parsePurchaseRow } from './purchase-row.ts';
import { copyLine, purchaseWriter } from './purchase-write.ts';

/** A run of consecutive records of one file, sent to a worker thread as one message. */
export interface RecordBatch {
  format: PurchaseFile['format'];
  /** The CSV file's columns (undefined for NDJSON). */
  header: string[] | undefined;
  records: RawRecord[];
}

/** What a batch became: its valid rows as COPY text, and each rejected record's line and reason. */
export interface PreparedBatch {
  copy: string;
  rows: number;
  rejected: [line: number, reason: string][];
}

/**
 * Reads, checks and encrypts a batch: the per-row work of an import. `lastLines` holds the
 * licence numbers that appear on more than one valid row, each with its last such line (see
 * repeated-license-numbers.ts): an earlier row of such a number is rejected, naming that line.
 * Depends on nothing but its arguments, so any thread may run it; rows keep their file order.
 */
export function batchPreparer(
  secretKey: string,
  lastLines: ReadonlyMap<string, number>,
): (batch: RecordBatch) => PreparedBatch {
  const write = purchaseWriter(secretKey);
  return ({ format, header, records }) => {
    // Joined once at the end: a string built with += is a tree of a piece a value, copied again
    // to flatten it when it is sent.
    const lines: string[] = [];
    const rejected: PreparedBatch['rejected'] = [];
    for (const raw of records) {
      const record = readRecord(format, header, raw);
      const parsed =
        'error' in record ? { ok: false as const, reason: record.error } : parsePurchaseRow(record.values);
      if (!parsed.ok) {
        rejected.push([record.line, parsed.reason]);
        continue;
      }
      const last = lastLines.get(parsed.row.license_number);
      if (last !== undefined && last > record.line) {
        const number = parsed.row.license_number;
        rejected.push([
          record.line,
          `licence number ${number} appears again on line ${last}, imported instead`,
        ]);
        continue;
      }
      lines.push(copyLine(write(parsed.row)));
    }
    return { copy: lines.join(''), rows: lines.length, rejected };
  };
}
