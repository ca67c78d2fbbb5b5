import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { chunkContext, createFileCipher, type FileCipher } from '../purchases/file-cipher.ts';
import { displayName, type CheckedUpload } from './attachments.ts';
import { findAttachmentChunk, insertAttachment, insertAttachmentChunk } from './attachments.repository.ts';

/**
 * Uploaded files live in PostgreSQL (attachment_chunks), encrypted, so every web process on every
 * host serves them and DATA_DIR holds only temporary files. A file goes in and comes out one chunk
 * at a time: 40 uploads at once must not hold 40 files in memory (README "Security").
 */
export const CHUNK_BYTES = 256 * 1024;

// One cipher per configuration: each holds its derived keys and a pool of 4,096 nonces.
const ciphers = new WeakMap<object, FileCipher>();

export function fileCipherOf(config: Pick<Config, 'secretKey' | 'secretKeyPrevious'>): FileCipher {
  let cipher = ciphers.get(config);
  if (!cipher) ciphers.set(config, (cipher = createFileCipher(config.secretKey, config.secretKeyPrevious)));
  return cipher;
}

/**
 * Each upload being written holds a pool connection for its transaction (20 inserts for 5 MB).
 * At most WRITERS do so at once in a process; the others wait here, holding only their temporary
 * file, rather than wait for a connection (5 s, then 503) while every other request starves of
 * the pool, and rather than hold a chunk's buffers each (README "Security", bounded resources).
 */
const WRITERS = 4;
let writers = 0;
const waiting: (() => void)[] = [];

/** Runs `write` (a transaction that stores an upload) once one of the WRITERS is free. */
export async function whenWriterFree<T>(write: () => Promise<T>): Promise<T> {
  if (writers < WRITERS) writers++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await write();
  } finally {
    // Handed straight to the next in line, or given back.
    const next = waiting.shift();
    if (next) next();
    else writers--;
  }
}

/**
 * Stores a checked upload as an attachment of the request, in the caller's transaction, which
 * runs in whenWriterFree.
 */
export async function storeAttachment(
  tx: Queryable,
  cipher: FileCipher,
  requestId: number,
  upload: CheckedUpload,
): Promise<void> {
  const attachmentId = await insertAttachment(tx, {
    requestId,
    originalName: displayName(upload.originalName),
    contentType: upload.contentType,
    size: upload.size,
    sha256: upload.sha256,
  });
  const written = await writeChunks(tx, cipher, attachmentId, upload.tempPath);
  // The temporary file is ours (0600) and closed; a different size means it is not what was checked.
  if (written !== upload.size) throw new Error(`the upload's temporary file changed (${written} bytes)`);
}

/** Reads `file` CHUNK_BYTES at a time, each chunk sealed and inserted; returns the bytes read. */
export async function writeChunks(
  tx: Queryable,
  cipher: FileCipher,
  attachmentId: number,
  file: string,
): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let total = 0;
    for (let seq = 0; ; seq++) {
      const length = await readFull(handle, buffer, total);
      if (length === 0) return total;
      const data = cipher.encrypt(buffer.subarray(0, length), chunkContext(attachmentId, seq));
      await insertAttachmentChunk(tx, { attachmentId, seq, keyId: cipher.keyId, data });
      total += length;
      if (length < CHUNK_BYTES) return total;
    }
  } finally {
    await handle.close();
  }
}

/** Fills `buffer` from `position` unless the file ends first; returns how many bytes it read. */
async function readFull(handle: Awaited<ReturnType<typeof open>>, buffer: Buffer, position: number) {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/**
 * An attachment's content as a stream, decrypted one chunk at a time. The first chunk is read
 * before this returns, so a missing file or a key that does not open it is an error the caller can
 * still answer, not a download cut short after its headers.
 */
export async function openAttachmentContent(
  db: Queryable,
  cipher: FileCipher,
  attachment: { id: number; size: number },
): Promise<Readable> {
  const chunkAt = async (seq: number) => {
    const row = await findAttachmentChunk(db, attachment.id, seq);
    return row && cipher.decrypt(row.key_id, row.data, chunkContext(attachment.id, seq));
  };
  const first = await chunkAt(0);
  if (!first && attachment.size > 0) throw new NotFoundError('The file of this attachment is missing.');
  async function* chunks() {
    let sent = 0;
    for (let seq = 0, chunk = first; chunk; chunk = await chunkAt(++seq)) {
      sent += chunk.length;
      yield chunk;
    }
    // Purged while being read, or rows lost: never pass a shorter file off as the whole one.
    if (sent !== attachment.size)
      throw new Error(`attachment ${attachment.id}: ${sent} of ${attachment.size} bytes`);
  }
  return Readable.from(chunks(), { objectMode: false });
}
