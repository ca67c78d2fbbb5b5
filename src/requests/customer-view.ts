import { isMessageKey, translate, type Locale } from '../i18n/i18n.ts';
import type { RecoveryRequestRow } from './requests.repository.ts';

/** A time as the customer reads it: "2. Dezember 2026 um 09:17 UTC". */
export function formatWhen(date: Date, locale: Locale): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
  return `${format.format(date)} UTC`;
}

/** What the customer may see of their own request: what they told us and where it stands, never match details. */
export function customerView(row: RecoveryRequestRow, locale: Locale) {
  const statusKey = `status.${row.status}`;
  return {
    reference: row.reference,
    status: row.status,
    status_text: isMessageKey(statusKey) ? translate(locale, statusKey) : row.status,
    created_at: row.created_at.toISOString(),
    created_at_text: formatWhen(row.created_at, locale),
    updated_at: row.updated_at.toISOString(),
    request: {
      email: row.email,
      name: row.name,
      license_number: row.license_number,
      license_key: row.license_key,
      order_number: row.order_number,
      channel: row.channel,
      store: row.store,
      country: row.country,
      purchased_on: row.purchased_on,
      reason: row.reason,
      desired_outcome: row.desired_outcome,
      details: row.details,
    },
  };
}
