import { fileTypeFromFile } from 'file-type';

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
const ALLOWED = new Map([
  ['application/pdf', 'pdf'],
  ['image/png', 'png'],
  ['image/jpeg', 'jpg'],
]);

/** An uploaded file as received: written to a temporary file, never held in memory (upload-reader.ts). */
export interface ReceivedFile {
  originalName: string;
  /** Absolute path of the temporary file under DATA_DIR/uploads/tmp. */
  tempPath: string;
  size: number;
  sha256: string;
}

export type AttachmentProblem = 'error.attachment_type' | 'error.attachment_size';

export interface CheckedUpload extends ReceivedFile {
  contentType: string;
  extension: string;
}

/** The file's type read from its first bytes, never from its name or the browser's word. */
export async function checkUpload(upload: ReceivedFile): Promise<CheckedUpload | AttachmentProblem> {
  if (upload.size > MAX_ATTACHMENT_BYTES) return 'error.attachment_size';
  const type = await fileTypeFromFile(upload.tempPath);
  const extension = type && ALLOWED.get(type.mime);
  if (!type || !extension) return 'error.attachment_type';
  return { ...upload, contentType: type.mime, extension };
}

/** Keeps the original name for people (no path, no control characters), never for the file system. */
export function displayName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';

  const clean = base
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .slice(0, 200);
  return clean || 'attachment';
}
