import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Attachment } from 'postal-mime';
import { checkUpload, displayName, type CheckedUpload } from '../requests/attachments.ts';
import { uploadsTempDir } from '../requests/upload-reader.ts';

export interface EmailFiles {
  /** Files that pass the upload checks (type read from their bytes, size), to store. */
  checked: CheckedUpload[];
  /** The names of those refused: named in the history, never stored. */
  refused: string[];
  /** Deletes the temporary files. */
  remove(): void;
}

/**
 * An email's attachments checked exactly as uploads are (checkUpload: size, and the type read from
 * the first bytes, so `receipt.pdf` that is a program is refused): each written to a temporary
 * file under DATA_DIR/uploads/tmp, as the upload reader does. Images that are part of the HTML
 * body (inline, with a Content-ID: logos, signatures) are not attachments of the customer's.
 */
export async function checkEmailFiles(dataDir: string, attachments: Attachment[]): Promise<EmailFiles> {
  const dir = uploadsTempDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const files: EmailFiles = {
    checked: [],
    refused: [],
    remove: () => written.forEach((file) => rmSync(file, { force: true })),
  };
  try {
    for (const part of attachments) {
      if (part.related) continue;
      const bytes = contentOf(part);
      const tempPath = path.join(dir, `email-${randomUUID()}`);
      writeFileSync(tempPath, bytes, { mode: 0o600 });
      written.push(tempPath);
      const originalName = displayName(part.filename ?? 'attachment');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const checked = await checkUpload({ originalName, tempPath, size: bytes.length, sha256 });
      if (typeof checked === 'string') files.refused.push(originalName);
      else files.checked.push(checked);
    }
  } catch (error) {
    files.remove();
    throw error;
  }
  return files;
}

function contentOf(part: Attachment): Buffer {
  const c = part.content;
  if (typeof c === 'string') return Buffer.from(c, part.encoding === 'base64' ? 'base64' : 'utf8');
  return c instanceof ArrayBuffer ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}
