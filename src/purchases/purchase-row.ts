import { z } from 'zod';
import { normaliseCountry } from '../identifiers/countries.ts';
import {
  normaliseActivationCode,
  normaliseLicenseKey,
  normaliseLicenseNumber,
  normaliseOrderNumber,
} from '../identifiers/identifiers.ts';

/** The columns of a purchases file (named in its header, any order), listed as in demo/purchases.csv. */
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

type Column = (typeof PURCHASE_COLUMNS)[number];

const COLUMN_NAMES = new Set<string>(PURCHASE_COLUMNS);
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Quotes a value for a reason, shortened: the operator sees what was wrong without a wall of text. */
const shown = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * How one column is read: `normalise` gives its canonical value or null when it is not valid;
 * `describe` says what was expected. An optional column reads an empty value as null. A secret
 * column has `echo: false`, so its value never reaches a reason (and so a log).
 */
interface Rule<T> {
  normalise: (value: string) => T | null;
  describe: string;
  optional?: boolean;
  echo?: boolean;
}

// PostgreSQL text cannot hold NUL; no other control character belongs in a name either.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const text = (max: number): Rule<string> => ({
  normalise: (v) => (v.length <= max && !CONTROL.test(v) ? v : null),
  describe: `text of at most ${max} characters without control characters`,
});

function oneOf<const T extends readonly string[]>(values: T): Rule<T[number]> {
  return {
    normalise: (v) => (values.includes(v.toLowerCase()) ? v.toLowerCase() : null),
    describe: `one of ${values.join(', ')}`,
  };
}

function calendarDate(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real && year >= 1900 ? value : null;
}

// A file of a million rows holds a few thousand distinct days: each is checked once.
const checkedDates = new Map<string, string | null>();
function knownDate(value: string): string | null {
  let checked = checkedDates.get(value);
  if (checked === undefined) {
    checked = calendarDate(value);
    if (checkedDates.size >= 100_000) checkedDates.clear();
    checkedDates.set(value, checked);
  }
  return checked;
}

const DATE = 'a real date as YYYY-MM-DD';
const positiveInteger: Rule<number> = {
  normalise: (v) => (/^\d{1,10}$/.test(v) && Number(v) >= 1 && Number(v) <= 2_147_483_647 ? Number(v) : null),
  describe: 'a whole number of at least 1',
};

/**
 * A value already in its canonical form is its own normal form (the normaliser only strips
 * separators, upper-cases and regroups): most rows of a file are, and the full reading is slow.
 */
const canonicalOr =
  (canonical: RegExp, normalise: (value: string) => string | null) =>
  (value: string): string | null =>
    canonical.test(value) ? value : normalise(value);

/** Every column's rule, in file order: reasons name bad fields in this order. */
const RULES = {
  order_number: { normalise: normaliseOrderNumber, describe: 'an order number of 3 to 40 characters' },
  channel: oneOf(['estore', 'partner', 'retail_box'] as const),
  store: text(200),
  country: { normalise: normaliseCountry, describe: 'an ISO 3166-1 alpha-2 country code' },
  purchased_at: { normalise: knownDate, describe: DATE },
  purchaser_email: {
    // zod's own email pattern (what z.email() tests), without building a result object a row.
    normalise: (v: string) => (v.length <= 254 && z.regexes.email.test(v) ? v : null),
    describe: 'an email address',
  },
  purchaser_name: text(200),
  product_sku: text(100),
  product_name: text(200),
  seats: positiveInteger,
  term_days: positiveInteger,
  license_type: oneOf(['commercial', 'trial'] as const),
  license_number: {
    normalise: canonicalOr(/^[0-9A-F]{4}-[0-9A-F]{6}-[0-9A-F]{8}$/, normaliseLicenseNumber),
    describe: 'a licence number (4-6-8 hexadecimal characters)',
  },
  license_key: {
    normalise: canonicalOr(
      /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
      normaliseLicenseKey,
    ),
    describe: 'a licence key (32 hexadecimal characters)',
  },
  activation_code: {
    normalise: canonicalOr(/^[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}$/, normaliseActivationCode),
    describe: 'an activation code (4 blocks of 5 of A-Z 0-9)',
    echo: false,
  },
  first_activated_at: { normalise: knownDate, describe: DATE, optional: true },
  status: oneOf(['active', 'expired', 'refunded', 'revoked'] as const),
  price: {
    normalise: (v: string) => (/^\d{1,10}(\.\d{1,2})?$/.test(v) ? v : null),
    describe: 'a price such as 49.00',
  },
  currency: {
    normalise: (v: string) => (CURRENCIES.has(v.toUpperCase()) ? v.toUpperCase() : null),
    describe: 'an ISO 4217 currency code',
  },
} satisfies Record<Column, Rule<unknown>>;

type Rules = typeof RULES;
type Value<R> = R extends Rule<infer T> ? T : never;

/** One purchase as the file states it, every identifier in its canonical form. */
export type PurchaseRow = {
  -readonly [C in Column]: Value<Rules[C]> | (Rules[C] extends { optional: true } ? null : never);
};

export type PurchaseRowResult = { ok: true; row: PurchaseRow } | { ok: false; reason: string };

/** CSV cells are text; NDJSON may give numbers, and null or nothing for an empty value. */
function asText(value: unknown): unknown {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  return value === null || value === undefined ? '' : value;
}

/** Why a column is not valid. (A valid column is just its value: nothing is allocated for it.) */
class Problem {
  constructor(readonly text: string) {}
}

/** The column's canonical value, or why it is not valid. */
function readColumn(rule: Rule<unknown>, input: unknown): unknown {
  const value = asText(input);
  if (typeof value !== 'string') return new Problem('must be text');
  if (value === '') return rule.optional ? null : new Problem('is required');
  const normalised = rule.normalise(value);
  if (normalised !== null) return normalised;
  return new Problem(`${rule.echo === false ? 'the value' : shown(value)} is not ${rule.describe}`);
}

/** A row's canonical values, each bad column with why, and the fields that are no column at all. */
function readRow(values: Record<string, unknown>) {
  // Built in one column order, so that every row has the same shape.
  const row: Record<string, unknown> = {};
  const problems: [column: Column, text: string][] = [];
  for (const column of PURCHASE_COLUMNS) {
    const read = readColumn(RULES[column], values[column]);
    if (read instanceof Problem) problems.push([column, read.text]);
    else row[column] = read;
  }
  const unknown = Object.keys(values).filter((key) => !COLUMN_NAMES.has(key));
  return { row: row as PurchaseRow, problems, unknown };
}

/**
 * Validates one row of a purchases file. The reason names every bad field, e.g.
 * `purchased_at: "2024-02-30" is not a real date as YYYY-MM-DD; seats: is required`.
 * (A table of plain rules rather than a zod object: a file of a million rows is read twice,
 * and zod's result objects and issues were most of the time spent reading it.)
 */
export function parsePurchaseRow(values: Record<string, unknown>): PurchaseRowResult {
  const { row, problems, unknown } = readRow(values);
  if (!problems.length && !unknown.length) return { ok: true, row };
  const reasons = problems.map(([column, text]) => `${column}: ${text}`);
  if (unknown.length) reasons.push(`unexpected field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  return { ok: false, reason: reasons.join('; ') };
}

const NOT_A_FIELD = 'is not a field of a purchase record';

export type PurchaseFieldsResult =
  { ok: true; row: PurchaseRow } | { ok: false; fields: Record<string, string> };

/**
 * The same checks as parsePurchaseRow, with the problems by field (the purchases API's answer):
 * `{ "seats": "is required", "colour": "is not a field of a purchase record" }`.
 */
export function parsePurchaseFields(values: Record<string, unknown>): PurchaseFieldsResult {
  const { row, problems, unknown } = readRow(values);
  if (!problems.length && !unknown.length) return { ok: true, row };
  // Entries, not assignments: a field named __proto__ stays a field.
  const strays = unknown.map((key) => [key.length > 40 ? `${key.slice(0, 40)}…` : key, NOT_A_FIELD]);
  return { ok: false, fields: Object.fromEntries([...problems, ...strays]) as Record<string, string> };
}

/** A licence number column's value in its canonical form, or null when it is not valid. */
export function readLicenseNumber(value: unknown): string | null {
  const read = readColumn(RULES.license_number, value);
  return read instanceof Problem ? null : (read as string);
}
