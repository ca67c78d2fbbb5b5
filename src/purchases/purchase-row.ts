import { z } from 'zod';
import { normaliseCountry } from '../identifiers/countries.ts';
import {
  normaliseActivationCode,
  normaliseLicenseKey,
  normaliseLicenseNumber,
  normaliseOrderNumber,
} from '../identifiers/identifiers.ts';

/** The columns of a purchases file (SPEC §3), in the order of shared/data/purchases.csv. */
export const PURCHASE_COLUMNS = [
  'order_number',
  'channel',
  'store',
  'country',
  'purchased_at',
  'purchaser_email',
  'purchaser_name',
  'product_sku',
  'product_name',
  'seats',
  'term_days',
  'license_type',
  'license_number',
  'license_key',
  'activation_code',
  'first_activated_at',
  'status',
  'price',
  'currency',
] as const;

const COLUMN_NAMES = new Set<string>(PURCHASE_COLUMNS);
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Quotes a value for a reason, shortened: the operator sees what was wrong without a wall of text. */
const shown = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * A text field read through `normalise` (null: not valid); `describe` says what was expected.
 * A secret field has `echo: false`, so its value never reaches a reason (and so a log).
 */
function field<T>(normalise: (value: string) => T | null, describe: string, echo = true) {
  return z.string({ error: 'must be text' }).transform((value, ctx) => {
    const result = value === '' ? null : normalise(value);
    if (result === null) {
      const message =
        value === '' ? 'is required' : `${echo ? shown(value) : 'the value'} is not ${describe}`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return result;
  });
}

/** A field where an empty value means none (null). */
const optional = <T>(normalise: (value: string) => T | null, describe: string) =>
  z.string({ error: 'must be text' }).transform((value, ctx): T | null => {
    if (value === '') return null;
    const result = normalise(value);
    if (result === null) ctx.addIssue({ code: 'custom', message: `${shown(value)} is not ${describe}` });
    return result;
  });

// PostgreSQL text cannot hold NUL; no other control character belongs in a name either.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const text = (max: number) =>
  field(
    (v) => (v.length <= max && !CONTROL.test(v) ? v : null),
    `text of at most ${max} characters without control characters`,
  );

const oneOf = <const T extends readonly string[]>(values: T) =>
  field(
    (v) => (values.includes(v.toLowerCase()) ? (v.toLowerCase() as T[number]) : null),
    `one of ${values.join(', ')}`,
  );

function calendarDate(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real && year >= 1900 ? value : null;
}

const DATE = 'a real date as YYYY-MM-DD';
const emailSchema = z.email();
const positiveInteger = field(
  (v) => (/^\d{1,10}$/.test(v) && Number(v) >= 1 && Number(v) <= 2_147_483_647 ? Number(v) : null),
  'a whole number of at least 1',
);

const purchaseRowSchema = z.object({
  order_number: field(normaliseOrderNumber, 'an order number of 3 to 40 characters'),
  channel: oneOf(['estore', 'partner', 'retail_box'] as const),
  store: text(200),
  country: field(normaliseCountry, 'an ISO 3166-1 alpha-2 country code'),
  purchased_at: field(calendarDate, DATE),
  purchaser_email: field(
    (v) => (v.length <= 254 && emailSchema.safeParse(v).success ? v : null),
    'an email address',
  ),
  purchaser_name: text(200),
  product_sku: text(100),
  product_name: text(200),
  seats: positiveInteger,
  term_days: positiveInteger,
  license_type: oneOf(['commercial', 'trial'] as const),
  license_number: field(normaliseLicenseNumber, 'a licence number (4-6-8 hexadecimal characters)'),
  license_key: field(normaliseLicenseKey, 'a licence key (32 hexadecimal characters)'),
  activation_code: field(normaliseActivationCode, 'an activation code (4 blocks of 5 of A-Z 0-9)', false),
  first_activated_at: optional(calendarDate, DATE),
  status: oneOf(['active', 'expired', 'refunded', 'revoked'] as const),
  price: field((v) => (/^\d{1,10}(\.\d{1,2})?$/.test(v) ? v : null), 'a price such as 49.00'),
  currency: field(
    (v) => (CURRENCIES.has(v.toUpperCase()) ? v.toUpperCase() : null),
    'an ISO 4217 currency code',
  ),
});

/** One purchase as the file states it, every identifier in its canonical form. */
export type PurchaseRow = z.output<typeof purchaseRowSchema>;

export type PurchaseRowResult = { ok: true; row: PurchaseRow } | { ok: false; reason: string };

/** CSV cells are text; NDJSON may give numbers, and null or nothing for an empty value. */
function asText(value: unknown): unknown {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  return value === null || value === undefined ? '' : value;
}

/**
 * Validates one row of a purchases file. The reason names every bad field, e.g.
 * `purchased_at: "2024-02-30" is not a real date as YYYY-MM-DD; seats: is required`.
 */
export function parsePurchaseRow(values: Record<string, unknown>): PurchaseRowResult {
  // Built in one column order, so that every row has the same shape (a fast path for the parser).
  const input: Record<string, unknown> = {};
  for (const column of PURCHASE_COLUMNS) input[column] = asText(values[column]);
  const parsed = purchaseRowSchema.safeParse(input);
  const unknown = Object.keys(values).filter((key) => !COLUMN_NAMES.has(key));
  if (parsed.success && unknown.length === 0) return { ok: true, row: parsed.data };
  const reasons = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (unknown.length) reasons.push(`unexpected field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  return { ok: false, reason: reasons.join('; ') };
}
