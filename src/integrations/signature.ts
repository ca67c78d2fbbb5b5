import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of every call the desk makes to another system (webhook deliveries, the licence
 * authority; SPEC §14): `Recovery-Desk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`
 * with the receiver's secret, as Stripe signs its events. README "Integrations" shows a receiver's
 * check in Node.
 */
export const SIGNATURE_HEADER = 'Recovery-Desk-Signature';

export function signatureOf(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Whether `header` signs `body` with `secret`, made at most `toleranceSeconds` from `nowSeconds`
 * (a replayed old delivery fails). Used by the tests' receivers, as a receiver would.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = Buffer.from(parts.get('v1') ?? '', 'hex');
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
