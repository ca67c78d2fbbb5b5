import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `RD-` + 8 characters of Crockford base32 (40 random bits; uniqueness is the database's). */
export function newReference(): string {
  let chars = '';
  for (let i = 0; i < 8; i++) chars += CROCKFORD[randomInt(32)];
  return `RD-${chars}`;
}

/** Reads a reference as typed: case, and Crockford's look-alikes (O→0, I/L→1). */
export function normaliseReference(input: string): string | null {
  const upper = input.trim().toUpperCase();
  const body = upper.startsWith('RD-') ? upper.slice(3) : upper;
  const canonical = body.replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{8}$/.test(canonical) ? `RD-${canonical}` : null;
}

/** A status token: 256 random bits, shown once to the customer, stored only as a hash. */
export function newStatusToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenMatches(token: string, hash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
