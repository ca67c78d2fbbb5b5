import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import multer from 'multer';
import { AppError } from '../errors.ts';
import { MAX_ATTACHMENT_BYTES, type ReceivedFile } from './attachments.ts';

/** What a multipart body brought: its fields (as req.body), at most one file, and a refusal. */
export interface ReadUpload {
  attachment?: ReceivedFile;
  /** The file went over the size limit: a field error for the form, not a failed request. */
  refusal?: 'error.attachment_size';
  /** Removes every temporary file of this request. Call it on every path (a moved file is gone already). */
  discard: () => Promise<void>;
}

const LIMITS = { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 30, parts: 31, fieldSize: 64 * 1024 };

/** DATA_DIR/uploads/tmp: on the same file system as uploads/, so a checked file is moved by a rename. */
export function uploadsTempDir(dataDir: string): string {
  return path.join(dataDir, 'uploads', 'tmp');
}

/**
 * A multer storage engine that streams each file to a temporary file (mode 0600) under `dir`,
 * hashing it on the way, so a 5 MB upload costs a few buffers of memory, not 5 MB (README
 * "Security", bounded resources). It remembers every file it opened, for discard().
 */
class TempFileStorage implements multer.StorageEngine {
  readonly files = new Map<string, { out: WriteStream; sha256?: string }>();

  constructor(private readonly dir: string) {}

  _handleFile(_req: Request, file: Express.Multer.File, done: (error?: unknown, info?: object) => void) {
    const tempPath = path.join(this.dir, `${randomUUID()}.part`);
    const out = createWriteStream(tempPath, { flags: 'wx', mode: 0o600 });
    const entry: { out: WriteStream; sha256?: string } = { out };
    this.files.set(tempPath, entry);
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        hash.update(chunk);
        next(null, chunk);
      },
    });
    pipeline(file.stream, hashing, out).then(
      () => {
        entry.sha256 = hash.digest('hex');
        done(null, { path: tempPath, size: out.bytesWritten });
      },
      (error: unknown) => done(error),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, done: (error: Error | null) => void) {
    this.remove(file.path).then(
      () => done(null),
      (error: unknown) => done(error as Error),
    );
  }

  /** Waits for the file's stream to close (an unfinished one is cut short), then deletes the file. */
  async remove(tempPath: string): Promise<void> {
    const entry = this.files.get(tempPath);
    if (entry && !entry.out.closed) {
      const closed = new Promise<void>((resolve) => entry.out.once('close', () => resolve()));
      entry.out.destroy();
      await closed;
    }
    await rm(tempPath, { force: true });
  }

  async removeAll(): Promise<void> {
    await Promise.all([...this.files.keys()].map((p) => this.remove(p)));
  }
}

function uploadError(error: unknown): AppError {
  // Multer's limits, and the parser's own complaints (a malformed part header, a body that ends
  // before its closing boundary, a client that went away): all about the body the client sent.
  return error instanceof multer.MulterError
    ? new AppError('bad_upload', 400, error.message)
    : new AppError('bad_upload', 400, 'The upload could not be read.');
}

/**
 * Reads a multipart body (a plain form passes through) into req.body, streaming its one file
 * (`attachment`) to DATA_DIR/uploads/tmp. An empty file input is no attachment. On a refused body
 * the temporary files are removed before the error is thrown; otherwise the caller discards.
 */
export async function readUpload(req: Request, res: Response, dataDir: string): Promise<ReadUpload> {
  if (!req.is('multipart/form-data')) return { discard: () => Promise.resolve() };
  const dir = uploadsTempDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const storage = new TempFileStorage(dir);
  const parse = multer({ storage, limits: LIMITS }).single('attachment');
  const discard = () => storage.removeAll();
  const tooLarge = await new Promise<boolean>((resolve, reject) => {
    parse(req, res, (error: unknown) => {
      if (!error) return resolve(false);
      if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE') return resolve(true);
      reject(uploadError(error));
    });
  }).catch(async (error: unknown) => {
    await discard();
    throw error;
  });
  const file = req.file;
  const sha256 = file && storage.files.get(file.path)?.sha256;
  const attachment =
    file && file.size > 0 && sha256
      ? { originalName: file.originalname, tempPath: file.path, size: file.size, sha256 }
      : undefined;
  return { attachment, refusal: tooLarge ? 'error.attachment_size' : undefined, discard };
}
