import type { Queryable } from '../db/db.ts';
import { parsePurchaseFields, readLicenseNumber, type PurchaseRow } from './purchase-row.ts';
import { purchaseWriter } from './purchase-write.ts';
import { writePurchaseRows } from './purchases.repository.ts';

/** What a pushed record became (README "Purchases by API"). */
export const PUSH_RESULTS = ['created', 'updated', 'unchanged'] as const;
export type PushResult = (typeof PUSH_RESULTS)[number];

/** Where a record sat in what was sent: a JSON array's index (from 0) or an NDJSON line (from 1). */
export type RecordPosition = { index: number } | { line: number };

export interface PushedRecord {
  /** Unset for the one record of a PUT. */
  position?: RecordPosition;
  value: unknown;
  /**
   * The licence number the address names (PUT), normalised: the body must agree with it. Null
   * when the address names no licence number at all.
   */
  licenseNumber?: string | null;
}

export type RecordAnswer = Partial<RecordPosition> &
  (
    | { license_number: string; result: PushResult }
    | { license_number?: string; error: 'invalid'; fields: Record<string, string> }
  );

type Checked = { record: PushedRecord; row: PurchaseRow } | { record: PushedRecord; invalid: RecordAnswer };

/**
 * Stores pushed purchase records in the caller's transaction, through the import's own rules
 * (purchase-row.ts: validation and normalisation; purchase-write.ts: the code encrypted and
 * fingerprinted; purchases.repository.ts: the one upsert, which keeps a refund, revocation or
 * replaced code the desk decided). Each record is answered in the order sent: created, updated,
 * unchanged, or its field errors; an invalid record stops none of the others. As in the import, a
 * licence number sent twice keeps its last record: an earlier one is answered as invalid. No
 * answer ever holds an activation code (its rule never echoes the value).
 */
export async function storePurchaseRecords(
  tx: Queryable,
  secretKey: string,
  records: readonly PushedRecord[],
): Promise<RecordAnswer[]> {
  const checked = records.map(checkRecord);
  const last = new Map<string, PushedRecord>();
  for (const c of checked) if ('row' in c) last.set(c.row.license_number, c.record);
  const write = purchaseWriter(secretKey);
  const rows = checked.flatMap((c) =>
    'row' in c && last.get(c.row.license_number) === c.record ? [c.row] : [],
  );
  const written = await writePurchaseRows(tx, rows.map(write));
  return checked.map((c): RecordAnswer => {
    if ('invalid' in c) return c.invalid;
    const { position } = c.record;
    const number = c.row.license_number;
    const kept = last.get(number)!;
    if (kept !== c.record) {
      const fields = {
        license_number: `appears again at ${positionText(kept.position)}, which is stored instead`,
      };
      return { ...position, license_number: number, error: 'invalid', fields };
    }
    return { ...position, license_number: number, result: written.get(number) ?? 'unchanged' };
  });
}

function checkRecord(record: PushedRecord): Checked {
  const { position, value, licenseNumber } = record;
  const invalid = (fields: Record<string, string>, number = licenseNumber): Checked => ({
    record,
    invalid: { ...position, ...(number ? { license_number: number } : {}), error: 'invalid', fields },
  });
  if (licenseNumber === null) return invalid({ license_number: NOT_A_LICENCE });
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalid({ record: 'must be a JSON object of the purchase record’s fields' });
  // The address names the licence: a body may leave it out, or must say the same.
  const values = value as Record<string, unknown>;
  const given = values.license_number;
  if (licenseNumber && given !== undefined && given !== null && given !== '') {
    if (readLicenseNumber(given) !== licenseNumber)
      return invalid({ license_number: `does not agree with the address (${licenseNumber})` });
  }
  const parsed = parsePurchaseFields(licenseNumber ? { ...values, license_number: licenseNumber } : values);
  if (!parsed.ok) return invalid(parsed.fields, licenseNumber ?? readLicenseNumber(given) ?? undefined);
  return { record, row: parsed.row };
}

const NOT_A_LICENCE = 'the address does not name a licence number (4-6-8 hexadecimal characters)';

function positionText(position: RecordPosition | undefined): string {
  if (!position) return 'the same address';
  return 'index' in position ? `index ${position.index}` : `line ${position.line}`;
}
