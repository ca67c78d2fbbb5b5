import type { Queryable } from '../db/db.ts';

/** Tables whose encrypted values are text from the code cipher (code-cipher.ts). */
const TEXT_TABLES = ['purchases', 'activation_code_history', 'emails', 'webhook_endpoints'] as const;
export type TextTable = (typeof TEXT_TABLES)[number];
export const isTextTable = (table: EncryptedTable): table is TextTable =>
  (TEXT_TABLES as readonly string[]).includes(table);

/**
 * Every table that holds values encrypted under SECRET_KEY (README "Security"); attachment_chunks
 * holds bytes from the file cipher (file-cipher.ts), with the key id in a column of its own.
 */
export const ENCRYPTED_TABLES = [...TEXT_TABLES, 'attachment_chunks'] as const;
export type EncryptedTable = (typeof ENCRYPTED_TABLES)[number];

/**
 * Each table's encrypted columns, and the column of the code's keyed fingerprint (see
 * code-fingerprint.ts), which is recomputed with the first one. Only these names, never input,
 * are put into the SQL below.
 */
const COLUMNS: Record<TextTable, { encrypted: readonly string[]; fingerprint: string | null }> = {
  purchases: { encrypted: ['activation_code_enc'], fingerprint: 'activation_code_hmac' },
  activation_code_history: { encrypted: ['code_enc'], fingerprint: 'code_hmac' },
  // Of emails that carry a code or a status link: the secret facts they are rendered from, and
  // the bodies as sent once rendered; null in the rest.
  emails: { encrypted: ['secret_facts_enc', 'secret_html_enc', 'secret_text_enc'], fingerprint: null },
  // The signing secrets of webhook endpoints (src/webhooks): the desk reads them back to sign.
  webhook_endpoints: { encrypted: ['secret_enc'], fingerprint: null },
};

export const hasFingerprint = (table: TextTable) => COLUMNS[table].fingerprint !== null;

export interface EncryptedRow {
  id: number;
  /** The encrypted columns' values, in COLUMNS order (null where the row has none). */
  values: (string | null)[];
}

/** The next rows after `afterId` with a value not yet under the key whose values start with `prefix`. */
export async function rowsNotUnder(
  db: Queryable,
  table: TextTable,
  prefix: string,
  afterId: number,
  limit: number,
): Promise<EncryptedRow[]> {
  const { encrypted } = COLUMNS[table];
  const stale = encrypted.map((c) => `(${c} IS NOT NULL AND NOT starts_with(${c}, $2))`).join(' OR ');
  return db.query<EncryptedRow>(
    `SELECT id, ARRAY[${encrypted.join(', ')}] AS values FROM ${table}
      WHERE id > $1 AND (${stale}) ORDER BY id LIMIT $3`,
    [afterId, prefix, limit],
  );
}

export interface ReEncryptedRow extends EncryptedRow {
  /** What was read, so a row changed meanwhile (a new code, a redaction) is left to the next run. */
  old: (string | null)[];
  fingerprint: string | null;
}

/** Writes the batch in one statement; returns how many rows were still as read, and so changed. */
export async function writeReEncrypted(
  db: Queryable,
  table: TextTable,
  rows: ReEncryptedRow[],
): Promise<number> {
  const { encrypted, fingerprint } = COLUMNS[table];
  const fields = [
    'id bigint',
    'fingerprint text',
    ...encrypted.flatMap((_, i) => [`old${i} text`, `new${i} text`]),
  ];
  const sets = encrypted.map((c, i) => `${c} = v.new${i}`);
  if (fingerprint) sets.push(`${fingerprint} = v.fingerprint`);
  const unchanged = encrypted.map((c, i) => `t.${c} IS NOT DISTINCT FROM v.old${i}`).join(' AND ');
  const records = rows.map((r) => ({
    id: r.id,
    fingerprint: r.fingerprint,
    ...Object.fromEntries(
      encrypted.flatMap((_, i) => [
        [`old${i}`, r.old[i]],
        [`new${i}`, r.values[i]],
      ]),
    ),
  }));
  const written = await db.query(
    `UPDATE ${table} t SET ${sets.join(', ')}
       FROM jsonb_to_recordset($1::jsonb) AS v(${fields.join(', ')})
      WHERE t.id = v.id AND ${unchanged}
      RETURNING t.id`,
    [JSON.stringify(records)],
  );
  return written.length;
}

/**
 * A few stored values to try the keys on at start: the first and the last purchase's code, the
 * last replaced code, one email waiting to be sent, the newest webhook secret. Each an index lookup.
 */
export async function sampleEncryptedValues(db: Queryable): Promise<{ source: TextTable; value: string }[]> {
  return db.query(
    `(SELECT 'purchases' AS source, activation_code_enc AS value FROM purchases ORDER BY id LIMIT 1)
     UNION ALL (SELECT 'purchases', activation_code_enc FROM purchases ORDER BY id DESC LIMIT 1)
     UNION ALL (SELECT 'activation_code_history', code_enc FROM activation_code_history ORDER BY id DESC LIMIT 1)
     UNION ALL (SELECT 'emails', coalesce(secret_text_enc, secret_facts_enc) FROM emails
                 WHERE status = 'pending' AND coalesce(secret_text_enc, secret_facts_enc) IS NOT NULL LIMIT 1)
     UNION ALL (SELECT 'webhook_endpoints', secret_enc FROM webhook_endpoints ORDER BY id DESC LIMIT 1)`,
  );
}

/** Whether any code is stored under another key than the one whose values start with `prefix`. */
export async function codesNotUnder(db: Queryable, prefix: string): Promise<boolean> {
  const [row] = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM purchases WHERE NOT starts_with(activation_code_enc, $1))
         OR EXISTS (SELECT 1 FROM activation_code_history WHERE NOT starts_with(code_enc, $1)) AS found`,
    [prefix],
  );
  return row?.found ?? false;
}

export interface ChunkRow {
  attachment_id: number;
  seq: number;
  key_id: string;
  data: Buffer;
}

/** The next chunks after (attachmentId, seq) not sealed under key `keyId`, in key order. */
export async function chunksNotUnder(
  db: Queryable,
  keyId: string,
  after: { attachmentId: number; seq: number },
  limit: number,
): Promise<ChunkRow[]> {
  return db.query<ChunkRow>(
    `SELECT attachment_id, seq, key_id, data FROM attachment_chunks
      WHERE (attachment_id, seq) > ($2, $3) AND key_id <> $1 ORDER BY attachment_id, seq LIMIT $4`,
    [keyId, after.attachmentId, after.seq, limit],
  );
}

/** Writes one re-sealed chunk unless it changed meanwhile (a purge); returns whether it did. */
export async function writeReEncryptedChunk(db: Queryable, old: ChunkRow, keyId: string, data: Buffer) {
  const rows = await db.query(
    `UPDATE attachment_chunks SET key_id = $4, data = $5
      WHERE attachment_id = $1 AND seq = $2 AND key_id = $3 RETURNING seq`,
    [old.attachment_id, old.seq, old.key_id, keyId, data],
  );
  return rows.length > 0;
}

/** The first and the last stored chunk, to try the keys on at start (primary-key lookups). */
export async function sampleChunks(db: Queryable): Promise<ChunkRow[]> {
  return db.query<ChunkRow>(
    `(SELECT attachment_id, seq, key_id, data FROM attachment_chunks ORDER BY attachment_id, seq LIMIT 1)
     UNION ALL
     (SELECT attachment_id, seq, key_id, data FROM attachment_chunks ORDER BY attachment_id DESC, seq DESC LIMIT 1)`,
  );
}
