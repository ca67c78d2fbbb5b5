import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
const ALLOWED = new Map([
  ['application/pdf', 'pdf'],
  ['image/png', 'png'],
  ['image/jpeg', 'jpg'],
]);

export interface Upload {
  originalName: string;
  buffer: Buffer;
}

export interface CheckedUpload extends Upload {
  contentType: string;
  extension: string;
}

/** The file's type read from its content, never from its name or the browser's word. */
export async function checkUpload(
  upload: Upload,
): Promise<CheckedUpload | 'error.attachment_type' | 'error.attachment_size'> {
  if (upload.buffer.length > MAX_ATTACHMENT_BYTES) return 'error.attachment_size';
  const type = await fileTypeFromBuffer(upload.buffer);
  const extension = type && ALLOWED.get(type.mime);
  if (!type || !extension) return 'error.attachment_type';
  return { ...upload, contentType: type.mime, extension };
}

/** Keeps the original name for people (no path, no control characters), never for the file system. */
export function displayName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';

  const clean = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 200);
  return clean || 'attachment';
}

/** Writes the file under DATA_DIR/uploads with a generated name; returns its path relative to DATA_DIR. */
export function storeUpload(dataDir: string, upload: CheckedUpload): { storagePath: string; sha256: string } {
  const month = new Date().toISOString().slice(0, 7);
  const storagePath = path.join('uploads', month, `${randomUUID()}.${upload.extension}`);
  mkdirSync(path.join(dataDir, 'uploads', month), { recursive: true });
  writeFileSync(path.join(dataDir, storagePath), upload.buffer, { flag: 'wx', mode: 0o600 });
  return { storagePath, sha256: createHash('sha256').update(upload.buffer).digest('hex') };
}

export function removeUpload(dataDir: string, storagePath: string): void {
  rmSync(path.join(dataDir, storagePath), { force: true });
}
