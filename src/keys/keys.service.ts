import { recordAudit } from '../audit/audit.repository.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { createCodeCipher, NoKeyOpensError, type CodeCipher } from '../purchases/code-cipher.ts';
import { createCodeFingerprint } from '../purchases/code-fingerprint.ts';
import { chunkContext, createFileCipher, type FileCipher } from '../purchases/file-cipher.ts';
import {
  chunksNotUnder,
  codesNotUnder,
  ENCRYPTED_TABLES,
  hasFingerprint,
  isTextTable,
  rowsNotUnder,
  sampleChunks,
  sampleEncryptedValues,
  writeReEncrypted,
  writeReEncryptedChunk,
  type ChunkRow,
  type EncryptedRow,
  type EncryptedTable,
  type ReEncryptedRow,
  type TextTable,
} from './keys.repository.ts';

type Keys = Pick<Config, 'secretKey' | 'secretKeyPrevious'>;

const WHAT: Record<EncryptedTable, string> = {
  purchases: 'the activation codes',
  activation_code_history: 'the replaced activation codes',
  emails: 'the emails waiting to be sent',
  webhook_endpoints: 'the webhook signing secrets',
  attachment_chunks: 'the uploaded files',
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
 * At start: the configured keys open a few stored values (see sampleEncryptedValues), or the
 * process stops naming the setting, instead of failing later on a customer's reissue or email.
 * An empty database passes.
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
  for (const chunk of await sampleChunks(db)) openChunk(files, chunk);
}

function openChunk(cipher: FileCipher, chunk: ChunkRow): Buffer {
  try {
    return cipher.decrypt(chunk.key_id, chunk.data, chunkContext(chunk.attachment_id, chunk.seq));
  } catch (error) {
    throw error instanceof NoKeyOpensError ? mismatch('attachment_chunks', cipher, error) : error;
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
// Chunks are up to 256 KiB each: a few at a time keep `desk keys rotate` small in memory.
const CHUNK_BATCH = 8;

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
  };
  for (const table of ENCRYPTED_TABLES) {
    if (!isTextTable(table)) {
      counts[table] = await rotateChunks(db, createFileCipher(keys.secretKey, keys.secretKeyPrevious));
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

/** Each chunk not under SECRET_KEY opened and sealed again under it, in the same place. */
async function rotateChunks(db: Db, cipher: FileCipher): Promise<number> {
  let changed = 0;
  for (let after = { attachmentId: 0, seq: -1 }; ;) {
    const chunks = await chunksNotUnder(db, cipher.keyId, after, CHUNK_BATCH);
    if (chunks.length === 0) return changed;
    for (const chunk of chunks) {
      const sealed = cipher.encrypt(openChunk(cipher, chunk), chunkContext(chunk.attachment_id, chunk.seq));
      if (await writeReEncryptedChunk(db, chunk, cipher.keyId, sealed)) changed++;
    }
    const last = chunks.at(-1)!;
    after = { attachmentId: last.attachment_id, seq: last.seq };
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
