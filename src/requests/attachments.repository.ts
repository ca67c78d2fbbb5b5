import type { Queryable } from '../db/db.ts';

/** A new attachment row; its content follows as chunks (insertAttachmentChunk). */
export async function insertAttachment(
  tx: Queryable,
  a: { requestId: number; originalName: string; contentType: string; size: number; sha256: string },
): Promise<number> {
  const [row] = await tx.query<{ id: number }>(
    `INSERT INTO attachments (request_id, original_name, content_type, size_bytes, sha256, storage_path)
     VALUES ($1, $2, $3, $4, $5, NULL) RETURNING id`,
    [a.requestId, a.originalName, a.contentType, a.size, a.sha256],
  );
  return row!.id;
}

export async function insertAttachmentChunk(
  tx: Queryable,
  c: { attachmentId: number; seq: number; keyId: string; data: Buffer },
): Promise<void> {
  await tx.query('INSERT INTO attachment_chunks (attachment_id, seq, key_id, data) VALUES ($1, $2, $3, $4)', [
    c.attachmentId,
    c.seq,
    c.keyId,
    c.data,
  ]);
}

/** One chunk, as sealed: a primary-key lookup, so a download holds one chunk at a time. */
export async function findAttachmentChunk(
  db: Queryable,
  attachmentId: number,
  seq: number,
): Promise<{ key_id: string; data: Buffer } | undefined> {
  const [row] = await db.query<{ key_id: string; data: Buffer }>(
    'SELECT key_id, data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2',
    [attachmentId, seq],
  );
  return row;
}

export interface FileOnDiskRow {
  id: number;
  storage_path: string;
  size_bytes: number;
}

/** Attachments whose file an older desk wrote under DATA_DIR, after `afterId`, in id order. */
export async function listFilesOnDisk(
  db: Queryable,
  afterId: number,
  limit: number,
): Promise<FileOnDiskRow[]> {
  return db.query<FileOnDiskRow>(
    `SELECT id, storage_path, size_bytes FROM attachments
      WHERE id > $1 AND storage_path IS NOT NULL AND storage_path <> '' ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
}

/** The file is in attachment_chunks now; false when the row changed meanwhile (a purge). */
export async function markMovedIn(tx: Queryable, id: number, storagePath: string): Promise<boolean> {
  const rows = await tx.query(
    'UPDATE attachments SET storage_path = NULL WHERE id = $1 AND storage_path = $2 RETURNING id',
    [id, storagePath],
  );
  return rows.length > 0;
}
