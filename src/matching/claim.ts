import { normaliseCountry } from '../identifiers/countries.ts';
import { normaliseLicenseKey, normaliseLicenseNumber, orderNumberKey } from '../identifiers/identifiers.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';

/** A licence identifier as the matcher reads it. */
export interface ClaimedIdentifier {
  typed: string;
  /** Hexadecimal characters only, look-alikes folded: what near matches are measured on. */
  hex: string;
  /** The canonical form, or null when the customer's text is not in the format (a dropped character, say). */
  canonical: string | null;
}

/** What the customer claims, normalised as README "Matching" (step 1) reads evidence. */
export interface Claim {
  email: string;
  mailbox: string;
  name: string;
  licenseNumber: ClaimedIdentifier | null;
  licenseKey: ClaimedIdentifier | null;
  orderNumber: string | null;
  orderKey: string | null;
  channel: string | null;
  store: string | null;
  country: string | null;
  purchasedOn: string | null;
}

/** The customer's words, as typed (the worker reads them from the stored request). */
export interface ClaimInput {
  email: string;
  name: string;
  license_number?: string | null;
  license_key?: string | null;
  order_number?: string | null;
  channel?: string | null;
  store?: string | null;
  country?: string | null;
  purchased_on?: string | null;
}

const blank = (value: string | null | undefined): value is null | undefined | '' =>
  !value || value.trim() === '';

function identifier(
  typed: string | null | undefined,
  normalise: (s: string) => string | null,
): ClaimedIdentifier | null {
  if (blank(typed)) return null;
  const hex = typed
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
    .replace(/[^0-9A-F]/g, '');
  return hex ? { typed, hex, canonical: normalise(typed) } : null;
}

export function buildClaim(input: ClaimInput): Claim {
  const orderNumber = blank(input.order_number) ? null : input.order_number.trim();
  return {
    email: input.email.trim(),
    mailbox: normaliseMailbox(input.email),
    name: input.name.trim(),
    licenseNumber: identifier(input.license_number, normaliseLicenseNumber),
    licenseKey: identifier(input.license_key, normaliseLicenseKey),
    orderNumber,
    orderKey: orderNumber ? orderNumberKey(orderNumber) : null,
    channel: blank(input.channel) ? null : input.channel.trim(),
    store: blank(input.store) ? null : input.store.trim(),
    country: blank(input.country)
      ? null
      : (normaliseCountry(input.country) ?? input.country.trim().toUpperCase()),
    purchasedOn: blank(input.purchased_on) ? null : input.purchased_on.trim(),
  };
}
