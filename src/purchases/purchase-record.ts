/** A purchase as the matcher sees it: everything but the activation code. */
export interface PurchaseRecord {
  id: number;
  license_number: string;
  license_key: string;
  order_number: string;
  order_key: string;
  channel: string;
  store: string;
  country: string;
  purchased_at: string;
  purchaser_email: string;
  purchaser_mailbox: string;
  purchaser_name: string;
  product_sku: string;
  product_name: string;
  seats: number;
  term_days: number;
  license_type: string;
  first_activated_at: string | null;
  status: string;
  price: string;
  currency: string;
}

/** The columns of PurchaseRecord, for SELECTs that must never include the code. */
export const PURCHASE_RECORD_COLUMNS = `id, license_number, license_key, order_number, order_key, channel, store, country,
  purchased_at, purchaser_email, purchaser_mailbox, purchaser_name, product_sku, product_name, seats, term_days,
  license_type, first_activated_at, status, price::text AS price, currency`;
