import type { Claim, ClaimedIdentifier } from './claim.ts';
import type { PurchaseRecord } from '../purchases/purchase-record.ts';
import { editDistance, foldText, words } from './similarity.ts';

export type Outcome = 'match' | 'near' | 'mismatch' | 'missing';
export const FIELDS = [
  'license_number',
  'license_key',
  'order_number',
  'email',
  'name',
  'purchased_on',
  'channel',
  'store',
  'country',
] as const;
export type Field = (typeof FIELDS)[number];

export interface FieldComparison {
  field: Field;
  claimed: string | null;
  recorded: string;
  outcome: Outcome;
  /** Why, in a technician's words. */
  note?: string;
  /** For a near licence identifier: how many characters are off. */
  edits?: number;
}

const DAY = 86_400_000;
/** How far a remembered purchase date may wander and still read as the same purchase. */
export const DATE_NEAR_DAYS = 45;

/** Edits a licence identifier may be off by and still name one licence: two in 16^18 leaves no room for chance. */
export const IDENTIFIER_NEAR_EDITS = 2;

function identifier(
  claimed: ClaimedIdentifier | null,
  recorded: string,
): { outcome: Outcome; note?: string; edits?: number } {
  if (!claimed) return { outcome: 'missing' };
  const hex = recorded.replace(/-/g, '');
  if (claimed.hex === hex) return { outcome: 'match' };
  const edits = editDistance(claimed.hex, hex, IDENTIFIER_NEAR_EDITS);
  if (edits > IDENTIFIER_NEAR_EDITS) return { outcome: 'mismatch' };
  return {
    outcome: 'near',
    note: edits === 1 ? 'one character differs' : `${edits} characters differ`,
    edits,
  };
}

function orderNumber(claim: Claim, record: PurchaseRecord): Outcome {
  if (!claim.orderKey) return 'missing';
  if (claim.orderKey === record.order_key) return 'match';
  return editDistance(claim.orderKey, record.order_key, 1) <= 1 ? 'near' : 'mismatch';
}

function email(claim: Claim, record: PurchaseRecord): { outcome: Outcome; note?: string } {
  if (claim.mailbox === record.purchaser_mailbox) return { outcome: 'match' };
  const [local, domain] = claim.mailbox.split('@');
  const [recordedLocal, recordedDomain] = record.purchaser_mailbox.split('@');
  if (editDistance(claim.mailbox, record.purchaser_mailbox, 1) <= 1)
    return { outcome: 'near', note: 'one character differs' };
  // Gmail's dots are folded out of its mailbox (normaliseMailbox), so john.smith@yahoo.com must
  // be read beside johnsmith, not john.smith, to be seen as the same name at another domain.
  const undotted = (s = '') => s.replace(/\./g, '');
  if (undotted(local) === undotted(recordedLocal) && domain !== recordedDomain)
    return { outcome: 'near', note: 'same name, another domain' };
  return { outcome: 'mismatch' };
}

/** Names compare as sets of words, so "Hughes Olga" is "Olga Hughes"; an initial stands for its word. */
function name(claim: Claim, record: PurchaseRecord): Outcome {
  const claimed = words(claim.name);
  const recorded = words(record.purchaser_name);
  if (claimed.length === 0) return 'missing';
  if ([...claimed].sort().join(' ') === [...recorded].sort().join(' ')) return 'match';
  const [shorter, longer] = claimed.length <= recorded.length ? [claimed, recorded] : [recorded, claimed];
  const alike = (a: string, b: string) =>
    a === b ||
    (a.length === 1 && b.startsWith(a)) ||
    (b.length === 1 && a.startsWith(b)) ||
    (a.length > 3 && editDistance(a, b, 1) <= 1);
  return shorter.every((w) => longer.some((v) => alike(w, v))) ? 'near' : 'mismatch';
}

/** A remembered date: days or weeks off, day and month swapped, or the year before or after. */
function purchaseDate(claim: Claim, record: PurchaseRecord): { outcome: Outcome; note?: string } {
  if (!claim.purchasedOn) return { outcome: 'missing' };
  if (claim.purchasedOn === record.purchased_at) return { outcome: 'match' };
  const [y, m, d] = claim.purchasedOn.split('-');
  const [ry, rm, rd] = record.purchased_at.split('-');
  if (y === ry && m === rd && d === rm) return { outcome: 'near', note: 'day and month swapped' };
  if (m === rm && d === rd && Math.abs(Number(y) - Number(ry)) === 1)
    return { outcome: 'near', note: 'another year' };
  const days = Math.round((Date.parse(claim.purchasedOn) - Date.parse(record.purchased_at)) / DAY);
  if (Math.abs(days) <= DATE_NEAR_DAYS)
    return { outcome: 'near', note: `${Math.abs(days)} days ${days < 0 ? 'earlier' : 'later'}` };
  return { outcome: 'mismatch' };
}

// Words that name no particular shop: "official online store", "eStore", "website".
const GENERIC_STORE_WORDS = new Set([
  'the',
  'official',
  'online',
  'store',
  'shop',
  'onlineshop',
  'estore',
  'eshop',
  'website',
  'web',
  'site',
  'www',
  'boutique',
  'en',
  'ligne',
  'ltd',
  'inc',
  'gmbh',
  'com',
  'co',
  'uk',
  'de',
  'fr',
  'ru',
  'in',
  'us',
  'usa',
  'india',
  'france',
  'deutschland',
  'germany',
  'uk',
  'internet',
  'magazin',
]);

function storeWords(store: string): string[] {
  return words(store).filter((w) => !GENERIC_STORE_WORDS.has(w));
}

/** Store names as people say them: case, spacing, punctuation, domains and generic words aside. */
function store(claim: Claim, record: PurchaseRecord): Outcome {
  if (!claim.store) return 'missing';
  const claimed = storeWords(claim.store).join('');
  const recorded = storeWords(record.store).join('');
  if (claimed === recorded) return 'match';
  if (!claimed && record.channel === 'estore') return 'match';
  if (claimed && recorded && (claimed.includes(recorded) || recorded.includes(claimed))) return 'match';
  return claimed && recorded && editDistance(claimed, recorded, 2) <= 2 ? 'near' : 'mismatch';
}

function exact(claimed: string | null, recorded: string): Outcome {
  if (!claimed) return 'missing';
  return foldText(claimed) === foldText(recorded) ? 'match' : 'mismatch';
}

/** Each field of the claim beside the purchase record, with its outcome: match, near, mismatch or missing. */
export function compareFields(claim: Claim, record: PurchaseRecord): FieldComparison[] {
  const emailResult = email(claim, record);
  const date = purchaseDate(claim, record);
  const number = identifier(claim.licenseNumber, record.license_number);
  const key = identifier(claim.licenseKey, record.license_key);
  const rows: FieldComparison[] = [
    {
      field: 'license_number',
      claimed: claim.licenseNumber?.typed ?? null,
      recorded: record.license_number,
      ...number,
    },
    { field: 'license_key', claimed: claim.licenseKey?.typed ?? null, recorded: record.license_key, ...key },
    {
      field: 'order_number',
      claimed: claim.orderNumber,
      recorded: record.order_number,
      outcome: orderNumber(claim, record),
    },
    {
      field: 'email',
      claimed: claim.email,
      recorded: record.purchaser_email,
      outcome: emailResult.outcome,
      note: emailResult.note,
    },
    { field: 'name', claimed: claim.name, recorded: record.purchaser_name, outcome: name(claim, record) },
    {
      field: 'purchased_on',
      claimed: claim.purchasedOn,
      recorded: record.purchased_at,
      outcome: date.outcome,
      note: date.note,
    },
    {
      field: 'channel',
      claimed: claim.channel,
      recorded: record.channel,
      outcome: exact(claim.channel, record.channel),
    },
    { field: 'store', claimed: claim.store, recorded: record.store, outcome: store(claim, record) },
    {
      field: 'country',
      claimed: claim.country,
      recorded: record.country,
      outcome: exact(claim.country, record.country),
    },
  ];
  // Drop empty notes so the stored result stays compact.
  return rows.map(
    (row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as FieldComparison,
  );
}
