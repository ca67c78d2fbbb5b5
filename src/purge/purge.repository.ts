import type { Queryable } from '../db/db.ts';

// Closed, past retention ($1 days), not purged yet.
const PURGEABLE = `purged_at IS NULL AND status IN ('resolved', 'rejected')
  AND closed_at < now() - make_interval(days => $1::int)`;

/** Closed requests past retention, not yet purged, oldest first, locked so two purges never overlap. */
export async function lockPurgeable(tx: Queryable, olderThanDays: number, limit: number): Promise<number[]> {
  const rows = await tx.query<{ id: number }>(
    `SELECT id FROM recovery_requests
      WHERE ${PURGEABLE}
      ORDER BY closed_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [olderThanDays, limit],
  );
  return rows.map((r) => r.id);
}

export async function countPurgeable(db: Queryable, olderThanDays: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM recovery_requests
      WHERE ${PURGEABLE}`,
    [olderThanDays],
  );
  return row?.n ?? 0;
}

/** The request row: who asked, from where, in their words. The licence and order stay for audit. */
export async function redactRequests(tx: Queryable, ids: number[]): Promise<void> {
  await tx.query(
    `UPDATE recovery_requests
        SET email = '[redacted]', name = '[redacted]', details = NULL, typed = '{}'::jsonb,
            client_ip = NULL, client_network = NULL, mailbox = NULL, status_token_hash = '',
            purged_at = now(), updated_at = now()
      WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  await tx.query('DELETE FROM request_status_tokens WHERE request_id = ANY($1::bigint[])', [ids]);
  await tx.query('UPDATE approvals SET to_address = NULL, note = NULL WHERE request_id = ANY($1::bigint[])', [
    ids,
  ]);
  // The customer's words after a satisfaction click go; the answer itself names no one.
  await tx.query('UPDATE satisfaction_answers SET comment = NULL WHERE request_id = ANY($1::bigint[])', [
    ids,
  ]);
}

/** The ids of the requests' emails: without SMTP_URL each was also written as a file named by it. */
export async function listEmailIds(tx: Queryable, ids: number[]): Promise<number[]> {
  const rows = await tx.query<{ id: number }>('SELECT id FROM emails WHERE request_id = ANY($1::bigint[])', [
    ids,
  ]);
  return rows.map((r) => Number(r.id));
}

/**
 * Emails (by their ids: a request's, or a lookup's) keep their template, language, subject, status
 * and times; not the address, the facts or the bodies.
 */
export async function redactEmails(tx: Queryable, emailIds: number[]): Promise<void> {
  await tx.query(
    `UPDATE emails SET to_address = '[redacted]', html = '', text = '', secret_html_enc = NULL, secret_text_enc = NULL,
            subject = coalesce(subject, template), facts = '{}', secret_facts_enc = NULL
      WHERE id = ANY($1::bigint[])`,
    [emailIds],
  );
}

/** History keeps who did what and when; of each event's details only the keys that name no person. */
export async function redactEvents(tx: Queryable, ids: number[], keptKeys: readonly string[]): Promise<void> {
  await tx.query(
    `UPDATE request_events e
        SET data = coalesce((SELECT jsonb_object_agg(k, v) FROM jsonb_each(e.data) AS kv(k, v) WHERE k = ANY($2::text[])), '{}'::jsonb)
      WHERE request_id = ANY($1::bigint[])`,
    [ids, keptKeys],
  );
}

/** Files an older desk wrote under DATA_DIR and `desk migrate` has not moved into the database. */
export async function listAttachmentPaths(tx: Queryable, ids: number[]): Promise<string[]> {
  const rows = await tx.query<{ storage_path: string }>(
    `SELECT storage_path FROM attachments WHERE request_id = ANY($1::bigint[]) AND storage_path <> ''`,
    [ids],
  );
  return rows.map((r) => r.storage_path);
}

/** The files are gone; the rows keep type, size and checksum as evidence that there was one. */
export async function redactAttachments(tx: Queryable, ids: number[]): Promise<void> {
  await tx.query(
    `UPDATE attachments SET original_name = '[redacted]', storage_path = '' WHERE request_id = ANY($1::bigint[])`,
    [ids],
  );
}

/** Deletes the stored content of the requests' attachments; returns how many files it held. */
export async function deleteAttachmentChunks(tx: Queryable, ids: number[]): Promise<number> {
  const [row] = await tx.query<{ files: number }>(
    `WITH gone AS (
       DELETE FROM attachment_chunks c USING attachments a
        WHERE c.attachment_id = a.id AND a.request_id = ANY($1::bigint[])
       RETURNING c.attachment_id)
     SELECT count(DISTINCT attachment_id)::int AS files FROM gone`,
    [ids],
  );
  return row?.files ?? 0;
}

/** The match result keeps verdict, score, flags and outcomes; not the names and addresses compared. */
export async function redactMatchResults(tx: Queryable, ids: number[]): Promise<void> {
  await tx.query(
    `UPDATE match_results m
        SET result = jsonb_set(
              jsonb_set(m.result, '{purchase}',
                CASE WHEN jsonb_typeof(m.result -> 'purchase') = 'object'
                     THEN (m.result -> 'purchase') - 'purchaser_email' - 'purchaser_name'
                     ELSE coalesce(m.result -> 'purchase', 'null'::jsonb) END),
              '{fields}',
              coalesce((SELECT jsonb_agg(CASE WHEN f ->> 'field' IN ('email', 'name')
                                              THEN f - 'claimed' - 'recorded' - 'note' ELSE f - 'note' END)
                          FROM jsonb_array_elements(m.result -> 'fields') AS f), '[]'::jsonb))
            - 'candidates'
      WHERE request_id = ANY($1::bigint[])`,
    [ids],
  );
}

/** The messages customers sent about the requests, and the reply addresses that name them, go. */
export async function deleteInboundMessages(tx: Queryable, ids: number[]): Promise<number> {
  const gone = await tx.query(
    'DELETE FROM inbound_messages WHERE request_id = ANY($1::bigint[]) RETURNING id',
    [ids],
  );
  await tx.query('DELETE FROM reply_tokens WHERE request_id = ANY($1::bigint[])', [ids]);
  return gone.length;
}

// "Email me my codes" lookups answered (status 'done'), past retention, still holding an address.
const PURGEABLE_LOOKUP = `status = 'done' AND created_at < now() - make_interval(days => $1::int)
  AND (email IS NOT NULL OR mailbox IS NOT NULL OR client_ip IS NOT NULL)`;

/** Answered lookups past retention, not yet purged, oldest first, locked like requests. */
export async function lockPurgeableLookups(
  tx: Queryable,
  olderThanDays: number,
  limit: number,
): Promise<{ id: number; email_id: number | null }[]> {
  const rows = await tx.query<{ id: number; email_id: number | null }>(
    `SELECT id, email_id FROM code_lookups
      WHERE ${PURGEABLE_LOOKUP}
      ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [olderThanDays, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), email_id: r.email_id === null ? null : Number(r.email_id) }));
}

export async function countPurgeableLookups(db: Queryable, olderThanDays: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM code_lookups WHERE ${PURGEABLE_LOOKUP}`,
    [olderThanDays],
  );
  return row?.n ?? 0;
}

/**
 * A lookup keeps its language, status, how many licences it listed and when, for the figures; not
 * who asked or from where. Which codes it sent (code_lookup_codes) stays: repeat_recovery reads it.
 */
export async function redactLookups(tx: Queryable, ids: number[]): Promise<void> {
  await tx.query(
    'UPDATE code_lookups SET email = NULL, mailbox = NULL, client_ip = NULL WHERE id = ANY($1::bigint[])',
    [ids],
  );
}

/** Delivery reports about these emails (a lookup's has no request): they quote the address, often the email. */
export async function deleteBouncesOf(tx: Queryable, emailIds: number[]): Promise<void> {
  await tx.query('DELETE FROM inbound_messages WHERE email_id = ANY($1::bigint[])', [emailIds]);
}
