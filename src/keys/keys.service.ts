import { recordAudit } from '../audit/audit.repository.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { createCodeCipher, NoKeyOpensError, type CodeCipher } from '../purchases/code-cipher.ts';
import { createCodeFingerprint } from '../purchases/code-fingerprint.ts';
import {
  chunkContext,
  createFileCipher,
  inboundRawContext,
  type FileCipher,
} from '../purchases/file-cipher.ts';
import {
  codesNotUnder,
  ENCRYPTED_TABLES,
  hasFingerprint,
  isTextTable,
  rowsNotUnder,
  sampleEncryptedValues,
  sampleSealed,
  SEALED_TABLES,
  sealedNotUnder,
  writeReEncrypted,
  writeReSealed,
  type EncryptedRow,
  type EncryptedTable,
  type ReEncryptedRow,
  type SealedRow,
  type SealedTable,
  type TextTable,
} from './keys.repository.ts';

type Keys = Pick<Config, 'secretKey' | 'secretKeyPrevious'>;

const WHAT: Record<EncryptedTable, string> = {
  purchases: 'the activation codes',
  activation_code_history: 'the replaced activation codes',
  emails: 'the emails waiting to be sent',
  webhook_endpoints: 'the webhook signing secrets',
  attachment_chunks: 'the uploaded files',
  inbound_messages: 'the received email messages',
};

/** The configured keys do not open what the database holds: the process must not start. */
export class KeyMismatchError extends Error {}

function mismatch(
  table: EncryptedTable,
  cipher: { keyId: string },
  error: NoKeyOpensError,
): KeyMismatchError {
  const written = error.keyId ? `key id ${error.keyId}` : 'written before key ids';
  return new KeyMismatchError(
    `SECRET_KEY does not open ${WHAT[table]} stored in this database (${written}; SECRET_KEY's key id is ` +
      `${cipher.keyId}). Set SECRET_KEY to the key they were written with, or add that key to ` +
      'SECRET_KEY_PREVIOUS and run `desk keys rotate`.',
  );
}

/**
 * At start: the configured keys open a few stored values (see sampleEncryptedValues; the first
 * and the last row of each sealed table), or the process stops naming the setting, instead of
 * failing later on a customer's reissue, email or reply. An empty database passes.
 */
export async function checkKeysOpenStoredData(db: Db, keys: Keys): Promise<void> {
  const cipher = createCodeCipher(keys.secretKey, keys.secretKeyPrevious);
  for (const { source, value } of await sampleEncryptedValues(db)) {
    try {
      cipher.decrypt(value);
    } catch (error) {
      throw error instanceof NoKeyOpensError ? mismatch(source, cipher, error) : error;
    }
  }
  const files = createFileCipher(keys.secretKey, keys.secretKeyPrevious);
  for (const table of SEALED_TABLES) {
    for (const row of await sampleSealed(db, table)) openSealed(files, table, row);
  }
}

/** What a sealed table's ciphertext is bound to, from the values it names (SEALED's boundTo). */
const CONTEXT: Record<SealedTable, (boundTo: string[]) => string> = {
  attachment_chunks: ([attachmentId, seq]) => chunkContext(Number(attachmentId), Number(seq)),
  inbound_messages: ([messageKey]) => inboundRawContext(messageKey!),
};

function openSealed(cipher: FileCipher, table: SealedTable, row: SealedRow): Buffer {
  try {
    return cipher.decrypt(row.key_id, row.data, CONTEXT[table](row.bound_to));
  } catch (error) {
    throw error instanceof NoKeyOpensError ? mismatch(table, cipher, error) : error;
  }
}

/**
 * Before an import: while any code is under a previous key, so is its fingerprint, and the
 * import's check that a file never restores a code the desk replaced (by fingerprint) would miss
 * it. Without SECRET_KEY_PREVIOUS every code the desk can read is under SECRET_KEY.
 */
export async function requireCodesUnderCurrentKey(db: Db, keys: Keys): Promise<void> {
  if (keys.secretKeyPrevious.length === 0) return;
  const cipher = createCodeCipher(keys.secretKey);
  if (await codesNotUnder(db, cipher.currentPrefix))
    throw new KeyMismatchError(
      'Some activation codes are still stored under a key in SECRET_KEY_PREVIOUS: run `desk keys rotate` first.',
    );
}

const BATCH = 500;
// Chunks are up to 256 KiB each, raw messages up to INBOUND_MAX_BYTES (50 MB at most): a few
// chunks, or one message, at a time keep `desk keys rotate` small in memory.
const SEALED_BATCH: Record<SealedTable, number> = { attachment_chunks: 8, inbound_messages: 1 };

export type RotationCounts = Record<EncryptedTable, number>;

/**
 * `desk keys rotate`: every encrypted value not yet under SECRET_KEY is decrypted (with whichever
 * configured key opens it) and encrypted again under SECRET_KEY, its code's fingerprint
 * recomputed with it, in batches of one statement each. A row changed meanwhile is skipped and
 * found by the next run; a second run changes nothing. After it, SECRET_KEY_PREVIOUS can go.
 */
export async function rotateKeys(db: Db, keys: Keys): Promise<RotationCounts> {
  const cipher = createCodeCipher(keys.secretKey, keys.secretKeyPrevious);
  const fingerprint = createCodeFingerprint(keys.secretKey);
  const counts: RotationCounts = {
    purchases: 0,
    activation_code_history: 0,
    emails: 0,
    webhook_endpoints: 0,
    attachment_chunks: 0,
    inbound_messages: 0,
  };
  const files = createFileCipher(keys.secretKey, keys.secretKeyPrevious);
  for (const table of ENCRYPTED_TABLES) {
    if (!isTextTable(table)) {
      counts[table] = await rotateSealed(db, table, files);
      continue;
    }
    let after = 0;
    for (;;) {
      const rows = await rowsNotUnder(db, table, cipher.currentPrefix, after, BATCH);
      if (rows.length === 0) break;
      const reEncrypted = rows.map((row) => reEncrypt(table, row, cipher, fingerprint));
      counts[table] += await writeReEncrypted(db, table, reEncrypted);
      after = rows.at(-1)!.id;
    }
  }
  await recordAudit(db, {
    actor: 'cli',
    action: 'keys_rotated',
    subject: `key id ${cipher.keyId}`,
    data: { key_id: cipher.keyId, previous_keys: keys.secretKeyPrevious.length, rows: counts },
  });
  return counts;
}

/** Each value of a sealed table not under SECRET_KEY opened and sealed again under it, in the same place. */
async function rotateSealed(db: Db, table: SealedTable, cipher: FileCipher): Promise<number> {
  let changed = 0;
  for (let after: string[] | null = null; ;) {
    const rows = await sealedNotUnder(db, table, cipher.keyId, after, SEALED_BATCH[table]);
    if (rows.length === 0) return changed;
    for (const row of rows) {
      const sealed = cipher.encrypt(openSealed(cipher, table, row), CONTEXT[table](row.bound_to));
      if (await writeReSealed(db, table, row, cipher.keyId, sealed)) changed++;
    }
    after = rows.at(-1)!.at;
  }
}

function reEncrypt(
  table: TextTable,
  row: EncryptedRow,
  cipher: CodeCipher,
  fingerprint: (code: string) => string,
): ReEncryptedRow {
  const plain = row.values.map((value) => {
    if (value === null) return null;
    try {
      return cipher.decrypt(value);
    } catch (error) {
      throw error instanceof NoKeyOpensError ? mismatch(table, cipher, error) : error;
    }
  });
  return {
    id: row.id,
    old: row.values,
    values: plain.map((p) => (p === null ? null : cipher.encrypt(p))),
    fingerprint: hasFingerprint(table) && plain[0] != null ? fingerprint(plain[0]) : null,
  };
}
