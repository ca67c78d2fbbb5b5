import type { Queryable } from '../db/db.ts';

/** One request's match, as stored. */
export interface MatchToSave {
  requestId: number;
  purchaseId: number | null;
  verdict: string;
  score: number;
  result: unknown;
  duplicateOf: number | null;
  /** The `matched` history event's data, written when the request moves to triage. */
  event: Record<string, unknown>;
}

/**
 * Stores the matches of a batch in one statement (one round trip, atomic as a whole, so each
 * request's result, move and event are written together or not at all): each result, replacing
 * an earlier one; each request's duplicate link; and, for each request still `received`, its move
 * to `triage` with a `matched` event. The two updates of a request exclude each other, so its row
 * is updated once; a concurrent run that moved it first leaves no second event. A request must
 * appear once in `matches` (a row cannot be upserted twice by one statement). Answers the ids of
 * the requests it moved to triage: those whose first verdict this is.
 */
export async function saveMatches(db: Queryable, matches: MatchToSave[]): Promise<Set<number>> {
  if (matches.length === 0) return new Set();
  // Rows are written in request order, so two batches sharing requests lock them in one order.
  const rows = [...matches]
    .sort((a, b) => a.requestId - b.requestId)
    .map((m) => ({
      request_id: m.requestId,
      purchase_id: m.purchaseId,
      verdict: m.verdict,
      score: m.score,
      result: m.result,
      duplicate_of: m.duplicateOf,
      event: m.event,
    }));
  const moved = await db.query<{ request_id: number }>(
    `WITH input AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(request_id bigint, purchase_id bigint,
              verdict text, score numeric, result jsonb, duplicate_of bigint, event jsonb)),
     saved AS (
       INSERT INTO match_results (request_id, purchase_id, verdict, score, result)
       SELECT request_id, purchase_id, verdict, score, result FROM input ORDER BY request_id
       ON CONFLICT (request_id) DO UPDATE
         SET purchase_id = EXCLUDED.purchase_id, verdict = EXCLUDED.verdict, score = EXCLUDED.score,
             result = EXCLUDED.result, matched_at = now()),
     moved AS (
       UPDATE recovery_requests r SET status = 'triage', updated_at = now(), duplicate_of = i.duplicate_of
         FROM input i WHERE r.id = i.request_id AND r.status = 'received' RETURNING r.id, i.event),
     linked AS (
       UPDATE recovery_requests r SET duplicate_of = i.duplicate_of
         FROM input i WHERE r.id = i.request_id AND r.status <> 'received')
     INSERT INTO request_events (request_id, actor, type, data)
     SELECT id, 'matcher', 'matched', event FROM moved ORDER BY id RETURNING request_id`,
    [JSON.stringify(rows)],
  );
  return new Set(moved.map((m) => m.request_id));
}
