/**
 * Licence numbers (4-6-8 hex), keys (8-4-4-4-12 hex), activation codes (4 blocks of 5), order
 * numbers and more. Input is case-insensitive and forgiving: trimmed, upper-cased, spaces and
 * hyphens stripped, and in hexadecimal fields the letter O read as zero and I and L as one.
 * The canonical form is what is stored and matched.
 */

import { isPlainLine } from './plain-text.ts';

const HEX_LOOKALIKES: Record<string, string> = { O: '0', I: '1', L: '1' };

function compact(input: string): string {
  return input
    .trim()
    .toUpperCase()
    .replace(/[\s\-‐‑‒–—_.]+/g, '');
}

function readHex(input: string): string {
  return compact(input).replace(/[OIL]/g, (c) => HEX_LOOKALIKES[c] ?? c);
}

function groups(chars: string, sizes: number[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(chars.slice(at, at + size));
    at += size;
  }
  return parts.join('-');
}

/** `84F3-E32248-C1E89AF9`: 4, 6 and 8 hexadecimal characters. null when not in that format. */
export function normaliseLicenseNumber(input: string): string | null {
  const hex = readHex(input);
  return /^[0-9A-F]{18}$/.test(hex) ? groups(hex, [4, 6, 8]) : null;
}

/** `ED025601-C567-FBB5-522E-53A50AE8DAE1`: 32 hexadecimal characters as 8-4-4-4-12. */
export function normaliseLicenseKey(input: string): string | null {
  const hex = readHex(input);
  return /^[0-9A-F]{32}$/.test(hex) ? groups(hex, [8, 4, 4, 4, 12]) : null;
}

/** `TX684-V88U4-ASMZU-29U4Q`: 4 blocks of 5 of A-Z 0-9 (all letters are meaningful here). */
export function normaliseActivationCode(input: string): string | null {
  const chars = compact(input);
  return /^[A-Z0-9]{20}$/.test(chars) ? groups(chars, [5, 5, 5, 5]) : null;
}

/** The store's own string, 3 to 40 characters, kept as typed (trimmed). */
export function normaliseOrderNumber(input: string): string | null {
  const trimmed = input.trim();
  return trimmed.length >= 3 && trimmed.length <= 40 && isPlainLine(trimmed) ? trimmed : null;
}

/** What order numbers are compared by: no case, spaces, `#` or hyphens. */
export function orderNumberKey(orderNumber: string): string {
  return orderNumber.toUpperCase().replace(/[\s#-]+/g, '');
}

// Four blocks of five with one consistent separator (hyphen, space or none).
const CODE_IN_TEXT =
  /(?<![A-Za-z0-9])[A-Za-z0-9]{5}([- ]?)[A-Za-z0-9]{5}\1[A-Za-z0-9]{5}\1[A-Za-z0-9]{5}(?![A-Za-z0-9])/g;

/**
 * Masks anything in free text that could be an activation code, so a code a customer
 * typed into `details` is never stored. A candidate needs a digit and a letter, so that
 * ordinary words ("these words could never") are left alone.
 */
export function maskActivationCodes(text: string): string {
  return text.replace(CODE_IN_TEXT, (found) =>
    /[0-9]/.test(found) && /[A-Za-z]/.test(found) ? 'XXXXX-XXXXX-XXXXX-XXXXX' : found,
  );
}
