import type { Db } from '../../src/db/db.ts';

/** A request as the queue tests write it: the facts each sort orders by. */
export interface QueueRequest {
  id: number;
  reference: string;
  name: string;
  status: string;
  verdict: string | null;
  created: string;
  updated: string;
  firstResponseDue: string;
  resolutionDue: string;
  responded: boolean;
}

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/**
 * Writes a request straight into the table (no intake, no matcher), with the times, status and
 * verdict a queue test needs; `i` makes its reference and varies its times (five creation times,
 * four update times: ties, broken by id).
 */
export async function insertQueueRequest(
  db: Db,
  i: number,
  overrides: Partial<QueueRequest> & { name: string },
): Promise<QueueRequest> {
  const m: QueueRequest = {
    id: 0,
    reference: `RD-S${String(i).padStart(7, '0')}`,
    status: 'triage',
    verdict: null,
    created: minutesFromNow(-600 + (i % 5) * 60),
    updated: minutesFromNow(-300 + (i % 4) * 30),
    firstResponseDue: minutesFromNow(60 + ((i * 37) % 11) * 30),
    resolutionDue: minutesFromNow(600 + ((i * 13) % 7) * 60),
    responded: i % 3 === 0,
    ...overrides,
  };
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO recovery_requests
       (reference, status, status_token_hash, email, name, channel, store, country, purchased_on, reason,
        desired_outcome, locale, typed, mailbox, created_at, first_response_due_at, resolution_due_at,
        first_responded_at)
     VALUES ($1, $2, md5($1), $3, $4, 'estore', 'Store', 'GB', '2024-01-01', 'lost', 'recover_code', 'en',
             '{}', $3, $5, $6, $7, CASE WHEN $8 THEN now() END)
     RETURNING id`,
    [
      m.reference,
      m.status,
      `queue${i}@example.com`,
      m.name,
      m.created,
      m.firstResponseDue,
      m.resolutionDue,
      m.responded,
    ],
  );
  m.id = row!.id;
  if (m.verdict) {
    await db.query(
      `INSERT INTO match_results (request_id, verdict, score, result) VALUES ($1, $2, 0.5, '{"flags": []}')`,
      [m.id, m.verdict],
    );
  }
  // Set after the match result, whose trigger moves updated_at.
  await db.query('UPDATE recovery_requests SET updated_at = $2 WHERE id = $1', [m.id, m.updated]);
  return m;
}

export const QUEUE_NAMES = [
  'Anna Walker',
  'Walker Johnson',
  'Анна Иванова',
  'Jürgen Müller-Lüdenscheidt',
  "Seán O'Neil",
  'Ёлкина Мария',
  'Maria Lopez',
  'Peter Straße',
];
export const QUEUE_STATUSES = ['triage', 'received', 'waiting_on_customer', 'pending_approval'];
export const QUEUE_VERDICTS = [null, 'strong', 'partial', 'conflict', 'none'];

/** `n` requests with the names, statuses and verdicts above in turn. */
export async function insertQueueRequests(db: Db, n: number): Promise<QueueRequest[]> {
  const made: QueueRequest[] = [];
  for (let i = 0; i < n; i++) {
    made.push(
      await insertQueueRequest(db, i, {
        name: QUEUE_NAMES[i % QUEUE_NAMES.length]!,
        status: QUEUE_STATUSES[i % QUEUE_STATUSES.length]!,
        verdict: QUEUE_VERDICTS[i % QUEUE_VERDICTS.length]!,
      }),
    );
  }
  return made;
}
