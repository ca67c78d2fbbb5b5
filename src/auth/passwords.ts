import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords at rest: scrypt with a random salt per password, stored as
 * `scrypt$N$r$p$salt$hash` (salt and hash in base64url), so that the cost can be raised
 * later without breaking the hashes already stored.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
// A stored hash is data; bounds keep a damaged or hostile row from asking for gigabytes.
const MAX = { N: 2 ** 20, r: 32, p: 16 };

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, keyBytes: number, cost: typeof COST): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; node's default ceiling (32 MiB) is exactly that at N=2^15, r=8.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parseStored(stored: string): { cost: typeof COST; salt: Buffer; key: Buffer } | undefined {
  const [scheme, n, r, p, salt, key, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key || rest.length > 0) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const sane = (value: number, max: number) => Number.isInteger(value) && value >= 1 && value <= max;
  if (!sane(cost.N, MAX.N) || !sane(cost.r, MAX.r) || !sane(cost.p, MAX.p)) return undefined;
  if ((cost.N & (cost.N - 1)) !== 0 || cost.N < 2) return undefined;
  const decoded = { salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
  return decoded.key.length >= 16 ? { cost, ...decoded } : undefined;
}

/** True when `password` is the one `stored` was made from; false, never a throw, for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.cost);
  return timingSafeEqual(key, parsed.key);
}
