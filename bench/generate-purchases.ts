/**
 * Writes N synthetic purchase records as CSV (`desk import`'s columns) to stdout or a file, for import and
 * matching benchmarks: `node --import tsx bench/generate-purchases.ts 1000000 > /tmp/p.csv`.
 * Seeded, so the same N gives the same file.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { PURCHASE_COLUMNS } from '../src/purchases/purchase-row.ts';

const HEX = '0123456789ABCDEF';
const CODE = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const FIRST = [
  'Anna',
  'James',
  'Olga',
  'Liam',
  'Priya',
  'Chen',
  'Sofia',
  'Ahmed',
  'Marta',
  'Tom',
  'Emma',
  'Ivan',
];
const LAST = ['Schmidt', 'Walker', 'Petrova', 'García', 'Novak', 'Wei', 'Rossi', 'Jones', 'Nowak', 'Becker'];
const DOMAINS = ['gmail.com', 'web.de', 'yahoo.com', 'outlook.com', 'mail.ru', 'orange.fr'];
const STORES = [
  ['estore', 'Online Store UK', 'GB', 'GBP'],
  ['estore', 'Online Store DE', 'DE', 'EUR'],
  ['partner', 'MediaMarkt', 'DE', 'EUR'],
  ['partner', 'Amazon.de', 'DE', 'EUR'],
  ['retail_box', 'Currys PC World', 'GB', 'GBP'],
] as const;

/** mulberry32: a small seeded generator, so runs are repeatable. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function purchaseRows(count: number, seed = 1): Generator<string[]> {
  const rnd = seeded(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const chars = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => pick([...alphabet])).join('');
  return (function* () {
    for (let i = 0; i < count; i++) {
      const [channel, store, country, currency] = pick(STORES);
      const first = pick(FIRST);
      const last = pick(LAST);
      const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(rnd() * 1400) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      yield [
        `ES-${day.slice(0, 4)}-${String(10_000_000 + i)}`,
        channel,
        store,
        country,
        day,
        `${first}.${last}${i}@${pick(DOMAINS)}`
          .normalize('NFD')
          .replace(/[\u0300-\u036f]/g, '')
          .toLowerCase(),
        `${first} ${last}`,
        'KSOS7',
        'Small Office Security 7',
        String(1 + Math.floor(rnd() * 10)),
        '365',
        rnd() < 0.03 ? 'trial' : 'commercial',
        `${chars(HEX, 4)}-${chars(HEX, 6)}-${chars(HEX, 8)}`,
        `${chars(HEX, 8)}-${chars(HEX, 4)}-${chars(HEX, 4)}-${chars(HEX, 4)}-${chars(HEX, 12)}`,
        [0, 1, 2, 3].map(() => chars(CODE, 5)).join('-'),
        rnd() < 0.8 ? day : '',
        pick(['active', 'active', 'active', 'expired', 'refunded', 'revoked']),
        '49.00',
        currency,
      ];
    }
  })();
}

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export async function writePurchasesCsv(count: number, file?: string, seed = 1): Promise<void> {
  const out = file ? createWriteStream(file) : process.stdout;
  out.write(`${PURCHASE_COLUMNS.join(',')}\n`);
  for (const row of purchaseRows(count, seed)) {
    if (!out.write(`${row.map(csvField).join(',')}\n`)) await once(out, 'drain');
  }
  if (file) await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(() => resolve()));
}

if (process.argv[1]?.endsWith('generate-purchases.ts')) {
  await writePurchasesCsv(Number(process.argv[2] ?? 1000), process.argv[3]);
}
