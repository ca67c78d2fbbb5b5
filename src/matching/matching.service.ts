import { emitWebhook } from '../webhooks/webhook-events.ts';
import type { Db, Queryable } from '../db/db.ts';
import { buildClaim, type Claim } from './claim.ts';
import type { MatchFlag } from './flags.ts';
import { toMatchResult, type MatchResult } from './match-result.ts';
import type { PurchaseRecord } from '../purchases/purchase-record.ts';
import { saveMatches, type MatchToSave } from './match-results.repository.ts';
import {
  findCandidatesOf,
  findEarlierWorkOf,
  findLatestMatchAt,
  findRequestsToMatch,
  type EarlierWork,
  type RecentRequests,
  type RequestToMatch,
} from './matching.repository.ts';
import { decide, type Decision } from './verdict.ts';

/** Many requests in a short time: from one mailbox in 7 days, one address or one network in a day. */
export const VELOCITY = { mailbox: 3, address: 10, network: 25 };

export class RequestNotFoundError extends Error {}

/**
 * When the matcher last stored a result, as text. The console's live stream polls this (one
 * index lookup) rather than listening on Redis, so it works the same behind any number of
 * web processes and needs no connection of its own.
 */
export function latestMatchAt(db: Db): Promise<string | null> {
  return findLatestMatchAt(db);
}

/** The claim is read from what the customer typed, normalised here (README "Matching", step 1). */
export function claimOf(request: RequestToMatch): Claim {
  const typed = request.typed;
  return buildClaim({
    email: request.email,
    name: request.name,
    license_number: typed.license_number ?? request.license_number,
    license_key: typed.license_key ?? request.license_key,
    order_number: request.order_number ?? typed.order_number,
    channel: request.channel,
    store: request.store,
    country: request.country,
    purchased_on: request.purchased_on,
  });
}

/** A request whose first verdict a batch stores (it moved from received to triage). */
export interface FirstVerdict {
  requestId: number;
  desiredOutcome: string;
  result: MatchResult;
}

/**
 * What follows a batch's verdicts (instant recovery, src/decisions/instant-recovery.ts): work done
 * in the transaction that stores them, on the requests whose first verdict it is, so a verdict and
 * what it causes are written together or not at all; then a word once that transaction committed.
 */
export interface VerdictFollowUp {
  inTransaction(tx: Queryable, verdicts: FirstVerdict[]): Promise<void>;
  committed(): void;
}

/** One request's outcome in a batch: its result, or what stopped it (the others go on). */
export type MatchOutcome = { ok: true; result: MatchResult } | { ok: false; error: Error };

/**
 * Matches one request against the purchase records, stores the explainable result and moves
 * the request to triage. Running it again gives the same stored result and adds no rows.
 */
export async function matchRequest(db: Db, requestId: number, today?: string): Promise<MatchResult> {
  const outcome = (await matchRequests(db, [requestId], today)).get(requestId)!;
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/**
 * Matches a batch of requests as `matchRequest` matches one, with the database work shared: the
 * batch waits on the database four times, whatever its size — the requests (with their velocity
 * counts), the candidates, what came before for the chosen purchases, and the stored results.
 * Each request's result is the one it would get matched alone, after the batch's earlier requests
 * (`earlierInBatch`). A request that is missing or whose rules throw gets its error; the others go
 * on. A database fault rejects the whole batch, and nothing of it is stored; so does a fault of
 * `followUp`, which runs in the transaction that stores the results.
 */
export async function matchRequests(
  db: Db,
  requestIds: number[],
  today = new Date().toISOString().slice(0, 10),
  followUp?: VerdictFollowUp,
): Promise<Map<number, MatchOutcome>> {
  const ids = [...new Set(requestIds)];
  const outcomes = new Map<number, MatchOutcome>();
  const fail = (id: number, error: unknown) =>
    outcomes.set(id, { ok: false, error: error instanceof Error ? error : new Error(String(error)) });
  const found = await findRequestsToMatch(db, ids, VELOCITY);
  for (const id of ids) {
    if (!found.has(id)) fail(id, new RequestNotFoundError(`recovery request ${id} does not exist`));
  }
  const requests = [...found.values()].sort((a, b) => a.id - b.id);
  const claimed = settle(requests, fail, (request) => ({ request, claim: claimOf(request) }));
  const candidates = await findCandidatesOf(
    db,
    claimed.map((c) => c.claim),
  );
  const decided = settle(claimed, fail, (c, i) => decideOne(c.request, c.claim, candidates[i]!, today));
  const earlier = await findEarlierWorkOf(
    db,
    decided.map((d) => ({
      id: d.request.id,
      licenseNumber: d.request.license_number,
      purchaseId: d.purchaseId,
    })),
    decided.map((d) => d.request.id),
  );
  const matches = settle(decided, fail, (d) =>
    resultOf(d, earlierInBatch(d, decided, earlier.get(d.request.id))),
  );
  await store(db, matches, followUp);
  for (const m of matches) outcomes.set(m.save.requestId, { ok: true, result: m.result });
  return outcomes;
}

/** Saves the batch's results, with what follows them in the same transaction when there is any. */
async function store(db: Db, matches: Matched[], followUp: VerdictFollowUp | undefined): Promise<void> {
  const saves = matches.map((m) => m.save);
  await db.transaction(async (tx) => {
    const moved = await saveMatches(tx, saves);
    await emitWebhook(tx, 'request.matched', { requestId: saves.map((s) => s.requestId) });
    if (!followUp) return;
    const first = matches.filter((m) => moved.has(m.save.requestId));
    await followUp.inTransaction(
      tx,
      first.map((m) => ({ requestId: m.save.requestId, desiredOutcome: m.desiredOutcome, result: m.result })),
    );
  });
  followUp?.committed();
}

type Request = RequestToMatch & { recent: RecentRequests };
interface Matched {
  result: MatchResult;
  save: MatchToSave;
  desiredOutcome: string;
}
interface Decided {
  request: Request;
  decision: Decision;
  purchaseId: number | null;
}

/** Runs a pure step for each request of the batch; one whose step throws is failed and left out. */
function settle<T extends { request: Request } | Request, U>(
  items: T[],
  fail: (id: number, error: unknown) => void,
  step: (item: T, index: number) => U,
): U[] {
  const done: U[] = [];
  items.forEach((item, index) => {
    try {
      done.push(step(item, index));
    } catch (error) {
      fail('request' in item ? item.request.id : item.id, error);
    }
  });
  return done;
}

function decideOne(request: Request, claim: Claim, candidates: PurchaseRecord[], today: string): Decided {
  const decision = decide(claim, candidates, today);
  const purchaseId = decision.verdict === 'none' ? null : (decision.best?.purchase.id ?? null);
  return { request, decision, purchaseId };
}

/**
 * What came before a request, counting the requests of its batch filed before it as already
 * matched: the earliest open request is then the earliest of the database's answer and of the
 * batch's earlier requests that chose the same purchase, as if the batch were matched in order.
 */
function earlierInBatch(d: Decided, batch: Decided[], stored: EarlierWork | undefined): EarlierWork {
  const work = stored ?? { codeSentRecently: false };
  if (d.purchaseId === null) return work;
  // The batch is in request order, so the first such request is the earliest.
  const mate = batch.find(
    (b) => b.request.id < d.request.id && b.purchaseId === d.purchaseId && !CLOSED.includes(b.request.status),
  );
  if (!mate || (work.duplicate && work.duplicate.id < mate.request.id)) return work;
  return { ...work, duplicate: { id: mate.request.id, reference: mate.request.reference } };
}

const CLOSED = ['resolved', 'rejected'];

function resultOf(d: Decided, earlier: EarlierWork): Matched {
  const { duplicate, codeSentRecently } = earlier;
  const recent = d.request.recent;
  const flags: MatchFlag[] = [];
  if (duplicate) flags.push('duplicate_request');
  if (codeSentRecently) flags.push('repeat_recovery');
  if (
    recent.mailbox >= VELOCITY.mailbox ||
    recent.address >= VELOCITY.address ||
    recent.network >= VELOCITY.network
  ) {
    flags.push('velocity');
  }
  const result = toMatchResult(d.decision, flags, duplicate?.reference);
  const save: MatchToSave = {
    requestId: d.request.id,
    purchaseId: d.purchaseId,
    verdict: result.verdict,
    score: result.score,
    result,
    duplicateOf: duplicate?.id ?? null,
    event: {
      verdict: result.verdict,
      score: result.score,
      flags: result.flags,
      license_number: result.purchase?.license_number ?? null,
    },
  };
  return { result, save, desiredOutcome: d.request.desired_outcome };
}
