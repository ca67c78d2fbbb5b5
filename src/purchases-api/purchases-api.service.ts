import { recordAudit } from '../audit/audit.repository.ts';
import type { AuthenticatedUser } from '../auth/user.ts';
import type { Db, Queryable } from '../db/db.ts';
import { enqueueInTransaction } from '../outbox/outbox.relay.ts';
import { unmatchedRequestsNaming } from './purchases-api.repository.ts';
import {
  storePurchaseRecords,
  type PushResult,
  type PushedRecord,
  type RecordAnswer,
} from '../purchases/purchases.push.ts';

/** How a shop pushed: one record to its address, or a batch. */
export type PushCall = 'put' | 'batch';

export type PushCounts = Record<PushResult | 'invalid', number>;

export interface PushOutcome {
  answers: RecordAnswer[];
  counts: PushCounts;
  /** Requests filed before their sale arrived (verdict `none`), queued to be matched again. */
  rematched: number;
}

/**
 * A shop's push (README "Purchases by API"): the records stored as `desk import` stores them
 * (purchases/purchases.push.ts) and one audit event with the counts, in one transaction. The
 * valid records are written together or not at all (a failure rolls back the whole call), each
 * in one statement, so no record is ever half written; invalid ones are only answered. Matching
 * reads the purchases table itself, so a request filed once this returns sees what was stored;
 * a request in triage that was filed before (verdict `none`) and names a licence created or
 * changed here gets a match job, in the same transaction (the caller wakes the relay).
 */
export function pushPurchases(
  db: Db,
  secretKey: string,
  pusher: AuthenticatedUser,
  call: { via: PushCall; records: PushedRecord[]; address: string | null },
): Promise<PushOutcome> {
  return db.transaction(async (tx) => {
    const answers = await storePurchaseRecords(tx, secretKey, call.records);
    const counts = countAnswers(answers);
    const rematched = await rematchUnmatched(tx, answers);
    const only = call.via === 'put' ? answers[0]?.license_number : undefined;
    await recordAudit(tx, {
      actor: { id: pusher.id, email: pusher.email },
      address: call.address,
      action: 'purchases_pushed',
      subject: only ? `the purchase of licence ${only}` : `a batch of ${answers.length} purchase records`,
      data: {
        via: call.via,
        token_id: pusher.credential.kind === 'token' ? pusher.credential.id : null,
        records: answers.length,
        ...counts,
        rematched,
      },
    });
    return { answers, counts, rematched };
  });
}

async function rematchUnmatched(tx: Queryable, answers: readonly RecordAnswer[]): Promise<number> {
  const written = answers.flatMap((a) =>
    'result' in a && a.result !== 'unchanged' ? [a.license_number] : [],
  );
  const requestIds = await unmatchedRequestsNaming(tx, written);
  for (const requestId of requestIds) await enqueueInTransaction(tx, 'match', { requestId });
  return requestIds.length;
}

function countAnswers(answers: readonly RecordAnswer[]): PushCounts {
  const counts: PushCounts = { created: 0, updated: 0, unchanged: 0, invalid: 0 };
  for (const answer of answers) counts['result' in answer ? answer.result : 'invalid']++;
  return counts;
}
