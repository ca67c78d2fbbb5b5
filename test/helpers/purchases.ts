import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../src/db/db.ts';
import { orderNumberKey } from '../../src/identifiers/identifiers.ts';
import { normaliseMailbox } from '../../src/identifiers/mailbox.ts';
import { createCodeCipher } from '../../src/purchases/code-cipher.ts';

export interface TestPurchase {
  id: number;
  license_number: string;
  license_key: string;
  order_number: string;
  activation_code: string;
  purchaser_email: string;
  purchaser_name: string;
  purchased_at: string;
  channel: string;
  store: string;
  country: string;
}

const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n)
    .toUpperCase();
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const code = () =>
  Array.from({ length: 4 }, () =>
    Array.from({ length: 5 }, () => CODE_ALPHABET[randomBytes(1)[0]! % CODE_ALPHABET.length]).join(''),
  ).join('-');

/** The fields of one purchase record with fresh identifiers, as a file or a shop states them; overrides set any. */
export function purchaseFields(overrides: Partial<Record<string, string | number | null>> = {}) {
  return {
    license_number: `${hex(4)}-${hex(6)}-${hex(8)}`,
    license_key: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    order_number: `ES-2024-${hex(8).replace(/[A-F]/g, '7')}`,
    channel: 'estore',
    store: 'Online Store UK',
    country: 'GB',
    purchased_at: '2024-10-31',
    purchaser_email: `buyer.${hex(6).toLowerCase()}@example.com`,
    purchaser_name: 'Quentin Kumar',
    product_sku: 'KSOS7',
    product_name: 'Small Office Security 7',
    seats: 5,
    term_days: 365,
    license_type: 'commercial',
    activation_code: code(),
    first_activated_at: '2026-01-10',
    status: 'active',
    price: '549.00',
    currency: 'GBP',
    ...overrides,
  };
}

/** Inserts one purchase record with fresh identifiers; overrides set any column. */
export async function insertPurchase(
  db: Queryable,
  secretKey: string,
  overrides: Partial<Record<string, string | number | null>> = {},
): Promise<TestPurchase> {
  const row = purchaseFields(overrides);
  const cipher = createCodeCipher(secretKey);
  const [inserted] = await db.query<{ id: number }>(
    `INSERT INTO purchases (license_number, license_key, order_number, order_key, channel, store, country, purchased_at,
        purchaser_email, purchaser_mailbox, purchaser_name, product_sku, product_name, seats, term_days, license_type,
        activation_code_enc, first_activated_at, status, price, currency)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
     RETURNING id`,
    [
      row.license_number,
      row.license_key,
      row.order_number,
      orderNumberKey(String(row.order_number)),
      row.channel,
      row.store,
      row.country,
      row.purchased_at,
      row.purchaser_email,
      normaliseMailbox(String(row.purchaser_email)),
      row.purchaser_name,
      row.product_sku,
      row.product_name,
      row.seats,
      row.term_days,
      row.license_type,
      cipher.encrypt(String(row.activation_code)),
      row.first_activated_at,
      row.status,
      row.price,
      row.currency,
    ],
  );
  return { id: inserted!.id, ...(row as Omit<TestPurchase, 'id'>) };
}
