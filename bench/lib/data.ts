/**
 * The bench's data: the purchases CSV (generated once per count and seed, cached under the
 * system's temporary folder) and recovery requests derived from those purchases, with the
 * mistakes customers make.
 */
import { existsSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { purchaseRows, seeded, writePurchasesCsv } from '../generate-purchases.ts';

export const SEED = 1;

/** The CSV of `count` purchases, generated on first use and kept for later runs. */
export async function purchasesCsv(count: number, seed = SEED): Promise<{ file: string; bytes: number }> {
  const file = path.join(tmpdir(), `rd-bench-purchases-${count}-${seed}.csv`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.part`;
    await writePurchasesCsv(count, partial, seed);
    renameSync(partial, file);
  }
  return { file, bytes: statSync(file).size };
}

const HEX = '0123456789ABCDEF';
const REASONS = ['lost', 'lost', 'lost', 'removed', 'expired_early'] as const;

export type RequestBody = Record<string, string>;

/**
 * `count` recovery requests about purchases among the first `purchases` of the generated file,
 * each with what customers really do: lower case, spaces for hyphens, one wrong or two swapped
 * characters, a new email address, the licence key instead of the number, no order number, the
 * wrong purchase date; and some about no purchase at all.
 */
export function recoveryRequests(count: number, purchases: number, seed = SEED): RequestBody[] {
  const rnd = seeded(seed + 7);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const stride = Math.max(1, Math.floor(purchases / count));
  const bodies: RequestBody[] = [];
  let i = 0;
  for (const row of purchaseRows(purchases, seed)) {
    if (i++ % stride !== 0) continue;
    const [order, channel, store, country, day, email, name, , , , , , number, key] = row as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      ...string[],
    ];
    const body: RequestBody = {
      email,
      name,
      license_number: number!,
      order_number: channel === 'estore' ? order : '',
      channel,
      store,
      country,
      purchased_on: day,
      reason: pick(REASONS),
      desired_outcome: rnd() < 0.9 ? 'recover_code' : 'refund',
      details: 'I reinstalled my computer and cannot find the activation code any more.',
      locale: pick(['en', 'en', 'de', 'ru']),
    };
    const mistake = rnd();
    if (mistake < 0.15) body.license_number = number!.toLowerCase();
    else if (mistake < 0.25) body.license_number = number!.replace(/-/g, ' ');
    else if (mistake < 0.4) body.license_number = oneWrong(number!, rnd);
    else if (mistake < 0.5) body.license_number = swapped(number!, rnd);
    else if (mistake < 0.6) {
      body.license_number = '';
      body.license_key = key!.toLowerCase();
    } else if (mistake < 0.7) body.email = `new.${email}`.replace(/@.*/, '@example.org');
    else if (mistake < 0.75) body.purchased_on = shiftDays(day, 40);
    else if (mistake < 0.8) body.order_number = channel === 'estore' ? `#${order.toLowerCase()}` : '';
    else if (mistake < 0.9) body.license_number = randomLicenseNumber(rnd);
    // else: typed exactly as bought
    bodies.push(body);
    if (bodies.length === count) break;
  }
  return bodies;
}

function oneWrong(value: string, rnd: () => number): string {
  const positions = [...value].flatMap((c, i) => (c === '-' ? [] : [i]));
  const at = positions[Math.floor(rnd() * positions.length)]!;
  const old = value[at]!;
  const next = HEX[(HEX.indexOf(old.toUpperCase()) + 1 + Math.floor(rnd() * 15)) % 16]!;
  return value.slice(0, at) + next + value.slice(at + 1);
}

function swapped(value: string, rnd: () => number): string {
  for (let tries = 0; tries < 10; tries++) {
    const at = Math.floor(rnd() * (value.length - 1));
    if (value[at] === '-' || value[at + 1] === '-' || value[at] === value[at + 1]) continue;
    return value.slice(0, at) + value[at + 1] + value[at] + value.slice(at + 2);
  }
  return value;
}

function shiftDays(day: string, days: number): string {
  const shifted = new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000);
  return shifted.toISOString().slice(0, 10);
}

function randomLicenseNumber(rnd: () => number): string {
  const chars = (n: number) => Array.from({ length: n }, () => HEX[Math.floor(rnd() * 16)]).join('');
  return `${chars(4)}-${chars(6)}-${chars(8)}`;
}
