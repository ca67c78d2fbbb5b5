import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Db } from '../db/db.ts';
import { newReference, newStatusToken } from '../requests/reference.ts';
import { insertRequest } from '../requests/requests.repository.ts';
import { parseRecoveryRequest, type NewRecoveryRequest } from '../requests/requests.schema.ts';
import type { MatchResult } from './match-result.ts';
import { matchRequest } from './matching.service.ts';

/** One labelled request of shared/data/requests.ndjson. */
export interface LabelledRequest {
  id: string;
  kind?: string;
  request: Record<string, unknown>;
  expected: { purchase: string | null; verdict: string; flags?: string[] };
}

export interface Metrics {
  requests: number;
  false_strong: number;
  verdict_accuracy: number;
  strong_recall: number;
  candidate_recall: number;
  flag_recall: number;
  /** Requests the form would refuse (an identifier not in its format); still matched as typed. */
  refused_at_intake: number;
}

export interface Miss {
  id: string;
  kind: string;
  expected: string;
  got: string;
  expectedPurchase: string | null;
  gotPurchase: string | null;
  missingFlags: string[];
  reason: string;
}

const IDENTIFIER_FIELDS = ['license_number', 'license_key'] as const;
/** Stands in for an identifier the form would refuse, so the rest of the request is parsed as usual. */
const PLACEHOLDER = {
  license_number: '0000-000000-00000000',
  license_key: '00000000-0000-0000-0000-000000000000',
};
const LATEST = '9999-12-31';

/**
 * The request as intake would store it. A customer whose licence identifier is not in its format
 * (a dropped character, say) is asked by the form to correct it; here there is no one to ask, so
 * the request is matched with that identifier as typed, which is what the matcher reads anyway.
 */
function asStored(raw: Record<string, unknown>): { value: NewRecoveryRequest; refused: boolean } | null {
  const parsed = parseRecoveryRequest(raw, LATEST);
  if (parsed.ok) return { value: parsed.value, refused: false };
  const bad = IDENTIFIER_FIELDS.filter((f) => parsed.errors[f]);
  if (bad.length === 0 || Object.keys(parsed.errors).some((f) => !bad.includes(f as never))) return null;
  const patched = { ...raw };
  for (const f of bad) patched[f] = PLACEHOLDER[f];
  const lenient = parseRecoveryRequest(patched, LATEST);
  if (!lenient.ok) return null;
  const value = { ...lenient.value, typed: { ...lenient.value.typed } };
  for (const f of bad) {
    value[f === 'license_number' ? 'licenseNumber' : 'licenseKey'] = null;
    if (typeof raw[f] === 'string' && raw[f]) value.typed[f] = raw[f];
    else delete value.typed[f];
  }
  return { value, refused: true };
}

export async function* readLabelled(file: string): AsyncIterable<LabelledRequest> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line.trim()) yield JSON.parse(line) as LabelledRequest;
  }
}

/**
 * Files every labelled request in order and matches it through the worker's own code path
 * (matchRequest), then scores the results as shared/data/README.md defines.
 */
export async function evaluateMatching(
  db: Db,
  requests: AsyncIterable<LabelledRequest>,
): Promise<{ metrics: Metrics; misses: Miss[] }> {
  const t = {
    n: 0,
    falseStrong: 0,
    right: 0,
    strongExpected: 0,
    strongGot: 0,
    candidates: 0,
    candidatesRight: 0,
    flags: 0,
    flagsRaised: 0,
    refused: 0,
  };
  const misses: Miss[] = [];
  for await (const labelled of requests) {
    t.n++;
    const stored = asStored(labelled.request);
    if (stored?.refused) t.refused++;
    const result: Pick<MatchResult, 'verdict' | 'purchase' | 'flags' | 'reasons'> = stored
      ? await matchRequest(db, await store(db, stored.value))
      : { verdict: 'none', purchase: null, flags: [], reasons: ['refused at intake'] };
    const e = labelled.expected;
    const got = (result.purchase?.license_number as string | undefined) ?? null;
    if (result.verdict === 'strong' && (e.verdict !== 'strong' || got !== e.purchase)) t.falseStrong++;
    if (result.verdict === e.verdict) t.right++;
    if (e.verdict === 'strong') {
      t.strongExpected++;
      if (result.verdict === 'strong') t.strongGot++;
    }
    const candidateCounted = e.purchase !== null && (e.verdict === 'strong' || e.verdict === 'partial');
    if (candidateCounted) {
      t.candidates++;
      if (got === e.purchase) t.candidatesRight++;
    }
    const missingFlags = (e.flags ?? []).filter((f) => !result.flags.includes(f));
    t.flags += e.flags?.length ?? 0;
    t.flagsRaised += (e.flags?.length ?? 0) - missingFlags.length;
    if (result.verdict !== e.verdict || (candidateCounted && got !== e.purchase) || missingFlags.length > 0) {
      misses.push({
        id: labelled.id,
        kind: labelled.kind ?? '',
        expected: e.verdict,
        got: result.verdict,
        expectedPurchase: e.purchase,
        gotPurchase: got,
        missingFlags,
        reason: result.reasons.join(' '),
      });
    }
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : Math.round((a / b) * 10_000) / 10_000);
  return {
    metrics: {
      requests: t.n,
      false_strong: t.falseStrong,
      verdict_accuracy: ratio(t.right, t.n),
      strong_recall: ratio(t.strongGot, t.strongExpected),
      candidate_recall: ratio(t.candidatesRight, t.candidates),
      flag_recall: ratio(t.flagsRaised, t.flags),
      refused_at_intake: t.refused,
    },
    misses,
  };
}

async function store(db: Db, request: NewRecoveryRequest): Promise<number> {
  return db.transaction((tx) =>
    insertRequest(tx, {
      ...request,
      reference: newReference(),
      statusTokenHash: newStatusToken().hash,
      locale: request.locale ?? 'en',
      clientIp: null,
    }),
  );
}
