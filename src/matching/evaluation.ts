import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DEFAULT_DUE_HOURS } from '../config.ts';
import type { Db } from '../db/db.ts';
import { newReference, newStatusToken } from '../requests/reference.ts';
import { insertRequest } from '../requests/requests.repository.ts';
import { parseRecoveryRequest, type NewRecoveryRequest } from '../requests/requests.schema.ts';
import type { MatchResult } from './match-result.ts';
import { findPurchaseRecord, findRequestsToMatch } from './matching.repository.ts';
import { isClearCase } from './flags.ts';
import { claimOf, matchRequest, VELOCITY } from './matching.service.ts';
import { assess, isStolenReceipt } from './verdict.ts';

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
  /** The same measures for each labelled kind (genuine_clean, hijack_attempt, …). */
  by_kind: Record<string, KindMetrics>;
  /**
   * Requests that carry their purchase's licence and facts but neither its buyer's mailbox nor
   * name (a stolen receipt, README "Security"), and how many of them got `conflict`.
   */
  stolen_receipt: { requests: number; conflict: number };
  /**
   * Requests instant recovery would resolve by itself (`isClearCase`: strong, the code asked for,
   * no blocking flag), their share of all, and how many of them are on a purchase other than the
   * labelled one, or not the purchaser's (a labelled `hijack_attempt` or an expected verdict other
   * than strong): both must be 0.
   */
  instant_recovery: { requests: number; share: number; wrong_purchase: number; not_the_purchaser: number };
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

/** How the matcher did on the requests of one labelled kind (genuine_clean, hijack_attempt, …). */
export interface KindMetrics {
  requests: number;
  verdict_accuracy: number;
  false_strong: number;
}

type Result = Pick<MatchResult, 'verdict' | 'purchase' | 'flags' | 'reasons'>;

const ratio = (a: number, b: number) => (b === 0 ? 1 : Math.round((a / b) * 10_000) / 10_000);

/**
 * Files every labelled request in order and matches it through the worker's own code path
 * (matchRequest), then scores the results as shared/data/README.md defines, by kind as well.
 */
export async function evaluateMatching(
  db: Db,
  requests: AsyncIterable<LabelledRequest>,
): Promise<{ metrics: Metrics; misses: Miss[] }> {
  const tally = new Tally();
  for await (const labelled of requests) {
    const stored = asStored(labelled.request);
    let result: Result = { verdict: 'none', purchase: null, flags: [], reasons: ['refused at intake'] };
    let stolenReceipt = false;
    if (stored) {
      const id = await store(db, stored.value);
      result = await matchRequest(db, id);
      stolenReceipt = await carriesStolenReceipt(db, id, labelled.expected.purchase);
    }
    tally.add(labelled, result, { refused: stored?.refused ?? false, stolenReceipt });
  }
  return { metrics: tally.metrics(), misses: tally.misses };
}

/**
 * Whether the request, as stored, reads like a stolen receipt of the purchase it is really about
 * (README "Security"): judged against the labelled purchase, not the one the matcher chose.
 */
async function carriesStolenReceipt(db: Db, requestId: number, licenseNumber: string | null) {
  if (!licenseNumber) return false;
  const [requests, purchase] = await Promise.all([
    findRequestsToMatch(db, [requestId], VELOCITY),
    findPurchaseRecord(db, licenseNumber),
  ]);
  const request = requests.get(requestId);
  return !!request && !!purchase && isStolenReceipt(assess(claimOf(request), purchase));
}

class Tally {
  readonly misses: Miss[] = [];
  private n = 0;
  private falseStrong = 0;
  private right = 0;
  private strongExpected = 0;
  private strongGot = 0;
  private candidates = 0;
  private candidatesRight = 0;
  private flags = 0;
  private flagsRaised = 0;
  private refused = 0;
  private stolen = { requests: 0, conflict: 0 };
  private instant = { requests: 0, wrongPurchase: 0, notThePurchaser: 0 };
  private kinds = new Map<string, { n: number; right: number; falseStrong: number }>();

  add(labelled: LabelledRequest, result: Result, seen: { refused: boolean; stolenReceipt: boolean }) {
    const e = labelled.expected;
    const got = (result.purchase?.license_number as string | undefined) ?? null;
    const falseStrong = result.verdict === 'strong' && (e.verdict !== 'strong' || got !== e.purchase);
    const right = result.verdict === e.verdict;
    this.n++;
    if (seen.refused) this.refused++;
    if (falseStrong) this.falseStrong++;
    if (right) this.right++;
    this.addToKind(labelled.kind ?? 'unlabelled', right, falseStrong);
    const wish = labelled.request.desired_outcome;
    if (isClearCase(result, typeof wish === 'string' ? wish : '')) {
      this.instant.requests++;
      if (got !== e.purchase) this.instant.wrongPurchase++;
      if (labelled.kind === 'hijack_attempt' || e.verdict !== 'strong') this.instant.notThePurchaser++;
    }
    if (seen.stolenReceipt) {
      this.stolen.requests++;
      if (result.verdict === 'conflict') this.stolen.conflict++;
    }
    if (e.verdict === 'strong') {
      this.strongExpected++;
      if (result.verdict === 'strong') this.strongGot++;
    }
    const candidateCounted = e.purchase !== null && (e.verdict === 'strong' || e.verdict === 'partial');
    if (candidateCounted) {
      this.candidates++;
      if (got === e.purchase) this.candidatesRight++;
    }
    const raised: readonly string[] = result.flags;
    const missingFlags = (e.flags ?? []).filter((f) => !raised.includes(f));
    this.flags += e.flags?.length ?? 0;
    this.flagsRaised += (e.flags?.length ?? 0) - missingFlags.length;
    if (!right || (candidateCounted && got !== e.purchase) || missingFlags.length > 0) {
      this.misses.push({
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

  private addToKind(kind: string, right: boolean, falseStrong: boolean) {
    const k = this.kinds.get(kind) ?? { n: 0, right: 0, falseStrong: 0 };
    this.kinds.set(kind, {
      n: k.n + 1,
      right: k.right + Number(right),
      falseStrong: k.falseStrong + Number(falseStrong),
    });
  }

  metrics(): Metrics {
    const byKind = [...this.kinds].sort(([a], [b]) => a.localeCompare(b));
    return {
      requests: this.n,
      false_strong: this.falseStrong,
      verdict_accuracy: ratio(this.right, this.n),
      strong_recall: ratio(this.strongGot, this.strongExpected),
      candidate_recall: ratio(this.candidatesRight, this.candidates),
      flag_recall: ratio(this.flagsRaised, this.flags),
      refused_at_intake: this.refused,
      by_kind: Object.fromEntries(
        byKind.map(([kind, k]) => [
          kind,
          { requests: k.n, verdict_accuracy: ratio(k.right, k.n), false_strong: k.falseStrong },
        ]),
      ),
      stolen_receipt: { ...this.stolen },
      instant_recovery: {
        requests: this.instant.requests,
        share: ratio(this.instant.requests, this.n),
        wrong_purchase: this.instant.wrongPurchase,
        not_the_purchaser: this.instant.notThePurchaser,
      },
    };
  }
}

async function store(db: Db, request: NewRecoveryRequest): Promise<number> {
  return db.transaction((tx) =>
    insertRequest(tx, {
      ...request,
      reference: newReference(),
      statusTokenHash: newStatusToken().hash,
      locale: request.locale ?? 'en',
      clientIp: null,
      dueHours: DEFAULT_DUE_HOURS,
    }),
  );
}
