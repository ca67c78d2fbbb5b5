import { randomInt } from 'node:crypto';

/** New codes leave out the look-alikes 0 O 1 I L (31 characters, about 99 bits per code). */
export const NEW_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A fresh activation code: 4 blocks of 5, hyphen-separated, from a CSPRNG. */
export function newActivationCode(): string {
  const block = () =>
    Array.from({ length: 5 }, () => NEW_CODE_ALPHABET[randomInt(NEW_CODE_ALPHABET.length)]).join('');
  return [block(), block(), block(), block()].join('-');
}

/** What pages, the API and stored email copies show in place of a code. */
export const MASKED_CODE = '•••••-•••••-•••••-•••••';

/**
 * An address shown to someone who may not own it: the first character of the mailbox and the
 * domain, `j***@gmail.com`, enough to recognise one's own address and not to learn another's.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
