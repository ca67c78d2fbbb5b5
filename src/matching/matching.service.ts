import type { Db } from '../db/db.ts';
import { buildClaim, type Claim } from './claim.ts';
import type { MatchFlag } from './flags.ts';
import { toMatchResult, type MatchResult } from './match-result.ts';
import {
  findCandidates,
  findEarlierWork,
  findLatestMatchAt,
  findRequestToMatch,
  saveMatch,
  type RequestToMatch,
} from './matching.repository.ts';
import { decide } from './verdict.ts';

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

/**
 * Matches one request against the purchase records, stores the explainable result and moves
 * the request to triage. Running it again gives the same stored result and adds no rows.
 */
export async function matchRequest(
  db: Db,
  requestId: number,
  today = new Date().toISOString().slice(0, 10),
): Promise<MatchResult> {
  // A job waits on the database four times: the request (with its velocity counts), the
  // candidates, what came before for the chosen purchase, and the stored result.
  const request = await findRequestToMatch(db, requestId, VELOCITY);
  if (!request) throw new RequestNotFoundError(`recovery request ${requestId} does not exist`);
  const claim = claimOf(request);
  const candidates = await findCandidates(db, claim);
  const decision = decide(claim, candidates, today);
  const purchaseId = decision.verdict === 'none' ? null : (decision.best?.purchase.id ?? null);
  const { duplicate, codeSentRecently: sentRecently } = await findEarlierWork(db, request, purchaseId);
  const recent = request.recent;

  const flags: MatchFlag[] = [];
  if (duplicate) flags.push('duplicate_request');
  if (sentRecently) flags.push('repeat_recovery');
  if (
    recent.mailbox >= VELOCITY.mailbox ||
    recent.address >= VELOCITY.address ||
    recent.network >= VELOCITY.network
  ) {
    flags.push('velocity');
  }
  const result = toMatchResult(decision, flags, duplicate?.reference);

  await saveMatch(db, {
    requestId,
    purchaseId,
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
  });
  return result;
}
