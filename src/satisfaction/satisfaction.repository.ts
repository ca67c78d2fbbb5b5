import type { Queryable } from '../db/db.ts';
import type { SatisfactionAnswer } from './satisfaction-links.ts';

/** What a satisfaction page needs of the request its link names. */
export interface RatedRequest {
  id: number;
  reference: string;
  locale: string;
  purged: boolean;
}

/** A customer's answer to the email that closed their request (migration 0027). */
export interface SatisfactionRow {
  answer: SatisfactionAnswer;
  answered_at: Date;
  comment: string | null;
  commented_at: Date | null;
}

export async function findRatedRequest(db: Queryable, reference: string): Promise<RatedRequest | undefined> {
  const [row] = await db.query<RatedRequest>(
    `SELECT id, reference, locale, purged_at IS NOT NULL AS purged FROM recovery_requests WHERE reference = $1`,
    [reference],
  );
  return row;
}

/** The first answer wins: true when this one was recorded, false when the request had one already. */
export async function insertAnswer(
  tx: Queryable,
  requestId: number,
  answer: SatisfactionAnswer,
): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO satisfaction_answers (request_id, answer) VALUES ($1, $2)
     ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
    [requestId, answer],
  );
  return rows.length === 1;
}

/** One comment per answer: true when this one was stored, false when there was one already. */
export async function setComment(tx: Queryable, requestId: number, comment: string): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE satisfaction_answers SET comment = $2, commented_at = now()
      WHERE request_id = $1 AND comment IS NULL RETURNING request_id`,
    [requestId, comment],
  );
  return rows.length === 1;
}

export async function findAnswer(db: Queryable, requestId: number): Promise<SatisfactionRow | undefined> {
  const [row] = await db.query<SatisfactionRow>(
    `SELECT answer, answered_at, comment, commented_at FROM satisfaction_answers WHERE request_id = $1`,
    [requestId],
  );
  return row;
}
