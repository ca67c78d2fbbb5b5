import type { Queryable } from '../db/db.ts';

/** Tables whose encrypted values are text from the code cipher (code-cipher.ts). */
const TEXT_TABLES = ['purchases', 'activation_code_history', 'emails', 'webhook_endpoints'] as const;
export type TextTable = (typeof TEXT_TABLES)[number];
export const isTextTable = (table: EncryptedTable): table is TextTable =>
  (TEXT_TABLES as readonly string[]).includes(table);

/**
 * Tables whose encrypted values are bytes from the file cipher (file-cipher.ts), with the id of the
 * key that sealed each value in a column of its own: uploaded files' chunks, raw inbound email.
 */
export const SEALED_TABLES = ['attachment_chunks', 'inbound_messages'] as const;
export type SealedTable = (typeof SEALED_TABLES)[number];

/** Every table that holds values encrypted under SECRET_KEY (README "Security"). */
export const ENCRYPTED_TABLES = [...TEXT_TABLES, ...SEALED_TABLES] as const;
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

/**
 * Each sealed table's primary key (its rows are walked in that order), its key id and sealed
 * columns, and the columns its ciphertext is bound to (file-cipher.ts: chunkContext,
 * inboundRawContext). Only these names, never input, are put into the SQL below.
 */
const SEALED: Record<
  SealedTable,
  { key: readonly string[]; keyId: string; data: string; boundTo: readonly string[] }
> = {
  attachment_chunks: {
    key: ['attachment_id', 'seq'],
    keyId: 'key_id',
    data: 'data',
    boundTo: ['attachment_id', 'seq'],
  },
  inbound_messages: { key: ['id'], keyId: 'raw_key_id', data: 'raw_enc', boundTo: ['message_key'] },
};

export interface SealedRow {
  /** The row's primary key, in SEALED order. */
  at: string[];
  key_id: string;
  data: Buffer;
  /** The values its ciphertext is bound to, in SEALED order. */
  bound_to: string[];
}

const sealedRow = (table: SealedTable) => {
  const { key, keyId, data, boundTo } = SEALED[table];
  return `SELECT ARRAY[${key.join(', ')}]::text[] AS at, ${keyId} AS key_id, ${data} AS data,
                 ARRAY[${boundTo.join(', ')}]::text[] AS bound_to FROM ${table}`;
};

/** `(k1, k2)` and `($first, $first+1)`: a primary key's columns and the placeholders of its values. */
const keyOf = (key: readonly string[]) => `(${key.join(', ')})`;
const placeholders = (key: readonly string[], first: number) =>
  `(${key.map((_, i) => `$${first + i}`).join(', ')})`;

/** The next rows after `after` (a primary key; null: from the first) not sealed under key `keyId`, in key order. */
export async function sealedNotUnder(
  db: Queryable,
  table: SealedTable,
  keyId: string,
  after: string[] | null,
  limit: number,
): Promise<SealedRow[]> {
  const { key, keyId: keyIdColumn } = SEALED[table];
  const past = after ? `AND ${keyOf(key)} > ${placeholders(key, 3)}` : '';
  return db.query<SealedRow>(
    `${sealedRow(table)} WHERE ${keyIdColumn} <> $1 ${past} ORDER BY ${key.join(', ')} LIMIT $2`,
    [keyId, limit, ...(after ?? [])],
  );
}

/** Writes one re-sealed value unless it changed meanwhile (a purge, another run); returns whether it did. */
export async function writeReSealed(
  db: Queryable,
  table: SealedTable,
  old: SealedRow,
  keyId: string,
  sealed: Buffer,
): Promise<boolean> {
  const { key, keyId: keyIdColumn, data } = SEALED[table];
  const rows = await db.query(
    `UPDATE ${table} SET ${keyIdColumn} = $2, ${data} = $3
      WHERE ${keyIdColumn} = $1 AND ${keyOf(key)} = ${placeholders(key, 4)}
      RETURNING 1`,
    [old.key_id, keyId, sealed, ...old.at],
  );
  return rows.length > 0;
}

/** The first and the last row of a sealed table, to try the keys on at start (primary-key lookups). */
export async function sampleSealed(db: Queryable, table: SealedTable): Promise<SealedRow[]> {
  const { key } = SEALED[table];
  return db.query<SealedRow>(
    `(${sealedRow(table)} ORDER BY ${key.join(', ')} LIMIT 1)
     UNION ALL
     (${sealedRow(table)} ORDER BY ${key.map((c) => `${c} DESC`).join(', ')} LIMIT 1)`,
  );
}
