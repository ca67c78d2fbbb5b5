import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords at rest: scrypt with a random salt per password, stored as
 * `scrypt$N$r$p$salt$hash` (salt and hash in base64url), so that the cost can be raised
 * later without breaking the hashes already stored: a weaker one is replaced at the next
 * sign-in (needsRehash).
 */
const COST = { N: 2 ** 17, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
// A stored hash is data; bounds keep a damaged or hostile row from asking for gigabytes
// (128·N·r bytes: at most 512 MiB at these bounds).
const MAX = { N: 2 ** 18, r: 16, p: 16 };

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

// Each derivation holds 128 MiB and a core for most of a second. Two at a time keep a burst
// of sign-ins (which anyone can send) to 256 MiB, and leave two of libuv's four threads to
// files and DNS; the rest wait their turn.
const MAX_AT_ONCE = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer, keyBytes: number, cost: typeof COST): Promise<Buffer> {
  if (running < MAX_AT_ONCE) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // handed a running slot
  try {
    // scrypt needs 128·N·r bytes (128 MiB at N=2^17, r=8); node's default ceiling is 32 MiB,
    // so allow twice what the cost needs, no more.
    const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
    return await new Promise<Buffer>((resolve, reject) =>
      scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) =>
        error ? reject(error) : resolve(key),
      ),
    );
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
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

/** True when a (verified) stored hash is weaker than what hashPassword makes today. */
export function needsRehash(stored: string): boolean {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const { N, r, p } = parsed.cost;
  return (
    N < COST.N || r < COST.r || p < COST.p || parsed.salt.length < SALT_BYTES || parsed.key.length < KEY_BYTES
  );
}
