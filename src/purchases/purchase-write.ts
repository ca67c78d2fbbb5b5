import { orderNumberKey } from '../identifiers/identifiers.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { createCodeCipher } from './code-cipher.ts';
import { createCodeFingerprint } from './code-fingerprint.ts';
import type { PurchaseRow } from './purchase-row.ts';

/** A purchase as it is written: the file's row, its lookup keys, and the code encrypted. */
export interface PurchaseWrite extends Omit<PurchaseRow, 'activation_code'> {
  order_key: string;
  purchaser_mailbox: string;
  activation_code_enc: string;
  activation_code_hmac: string;
}

// Every written column with its type, in one place: the staging table, the COPY lines and the
// upsert are all made from it.
export const WRITE_COLUMNS = {
  license_number: 'text',
  license_key: 'text',
  order_number: 'text',
  order_key: 'text',
  channel: 'text',
  store: 'text',
  country: 'text',
  purchased_at: 'date',
  purchaser_email: 'text',
  purchaser_mailbox: 'text',
  purchaser_name: 'text',
  product_sku: 'text',
  product_name: 'text',
  seats: 'integer',
  term_days: 'integer',
  license_type: 'text',
  activation_code_enc: 'text',
  activation_code_hmac: 'text',
  first_activated_at: 'date',
  status: 'text',
  price: 'numeric',
  currency: 'text',
} as const satisfies Record<keyof PurchaseWrite, string>;

export const WRITE_NAMES = Object.keys(WRITE_COLUMNS) as (keyof PurchaseWrite)[];

/**
 * A valid row as it is written: the code encrypted and fingerprinted under `secretKey`. This is
 * the costly part of an import (two keyed primitives a row), run on its worker threads.
 */
export function purchaseWriter(secretKey: string): (row: PurchaseRow) => PurchaseWrite {
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

/** One row in COPY's text format, columns in WRITE_NAMES order: tab-separated, \N for null, backslash escapes. */
export function copyLine(row: PurchaseWrite): string {
  let line = copyValue(row[WRITE_NAMES[0]!]);
  for (let i = 1; i < WRITE_NAMES.length; i++) line += `\t${copyValue(row[WRITE_NAMES[i]!])}`;
  return `${line}\n`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : value;
}
