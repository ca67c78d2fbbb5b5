import { normaliseMailbox } from '../../src/identifiers/mailbox.ts';
import { buildClaim, type ClaimInput } from '../../src/matching/claim.ts';
import type { PurchaseRecord } from '../../src/purchases/purchase-record.ts';

/** The day the matcher's unit tests decide on (expiry depends on it). */
export const TODAY = '2026-11-22';
let nextId = 1;

/** One purchase record, as the matcher reads it; overrides change any field. */
export function purchaseRecord(overrides: Partial<PurchaseRecord> = {}): PurchaseRecord {
  const email = overrides.purchaser_email ?? 'olga.hughes@gmail.com';
  return {
    id: nextId++,
    license_number: '9B45-C3E6A2-63165C60',
    license_key: 'ED025601-C567-FBB5-522E-53A50AE8DAE1',
    order_number: 'ES-2023-29324734',
    order_key: 'ES202329324734',
    channel: 'estore',
    store: 'Online Store UK',
    country: 'GB',
    purchased_at: '2025-08-11',
    purchaser_email: email,
    purchaser_mailbox: normaliseMailbox(email),
    purchaser_name: 'Olga Hughes',
    product_sku: 'KSOS7',
    product_name: 'Small Office Security 7',
    seats: 5,
    term_days: 365,
    license_type: 'commercial',
    first_activated_at: '2026-01-10',
    status: 'active',
    price: '549.00',
    currency: 'GBP',
    ...overrides,
  };
}

/** Every purchase fact of the default purchase record, as its buyer would type them; overrides change any. */
export function claimFor(overrides: Partial<ClaimInput> = {}) {
  return buildClaim({
    email: 'olga.hughes@gmail.com',
    name: 'Olga Hughes',
    license_number: '9B45-C3E6A2-63165C60',
    license_key: '',
    order_number: 'ES-2023-29324734',
    channel: 'estore',
    store: 'Online Store UK',
    country: 'GB',
    purchased_on: '2025-08-11',
    ...overrides,
  });
}
