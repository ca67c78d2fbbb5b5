import express, { type RequestHandler } from 'express';
import { AppError } from '../errors.ts';
import type { PushedRecord } from '../purchases/purchases.push.ts';

/** At most this many records a batch (SPEC §14). */
export const MAX_BATCH_RECORDS = 1000;
// A record of the demo data is about 550 bytes as JSON; a full batch of long ones fits in 2 MB.
const BATCH_BYTES = '2mb';
const RECORD_BYTES = '64kb';

const NDJSON = 'application/x-ndjson';
const NOTHING_STORED = 'Nothing was stored.';

/**
 * body-parser's errors in the purchases API's words (SPEC §7 shape by the error handler). Other
 * reading errors (a bad charset, an aborted upload) go on to the handler's general answer.
 */
function readingError(error: unknown, limit: string): unknown {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large')
    return new AppError(
      'payload_too_large',
      413,
      `The request body is larger than ${limit}. ${NOTHING_STORED}`,
    );
  if (type === 'entity.parse.failed')
    return new AppError('malformed_json', 400, `The request body is not valid JSON. ${NOTHING_STORED}`);
  return error;
}

function parser(read: RequestHandler, limit: string): RequestHandler {
  return (req, res, next) =>
    read(req, res, (error?: unknown) => next(error ? readingError(error, limit) : undefined));
}

const jsonOf = (limit: string) => parser(express.json({ limit, type: 'application/json' }), limit);
const recordJson = jsonOf(RECORD_BYTES);
const batchJson = jsonOf(BATCH_BYTES);
const batchNdjson = parser(express.text({ limit: BATCH_BYTES, type: NDJSON }), BATCH_BYTES);

function unsupported(accepted: string): AppError {
  return new AppError('unsupported_media_type', 415, `Send the body as ${accepted}. ${NOTHING_STORED}`);
}

/** PUT's body: one JSON object (read after the token and scope checks, so strangers upload nothing). */
export const readRecordBody: RequestHandler = (req, res, next) => {
  if (!req.is('application/json')) throw unsupported('application/json');
  recordJson(req, res, next);
};

/** The batch's body: a JSON array, or NDJSON (one record a line) with Content-Type application/x-ndjson. */
export const readBatchBody: RequestHandler = (req, res, next) => {
  if (req.is(NDJSON)) return batchNdjson(req, res, next);
  if (req.is('application/json')) return batchJson(req, res, next);
  throw unsupported(`a JSON array (application/json) or NDJSON (${NDJSON})`);
};

/** The batch's records, each with where it sat; a body that is no batch, or too long a one, throws. */
export function batchRecords(body: unknown, ndjson: boolean): PushedRecord[] {
  const records = ndjson ? ndjsonRecords(typeof body === 'string' ? body : '') : arrayRecords(body);
  if (!records.length)
    throw new AppError('empty_batch', 422, `The batch holds no records. ${NOTHING_STORED}`);
  return records;
}

function arrayRecords(body: unknown): PushedRecord[] {
  if (!Array.isArray(body))
    throw new AppError(
      'not_a_batch',
      422,
      `The body must be a JSON array of purchase records (or NDJSON with Content-Type ${NDJSON}). ${NOTHING_STORED}`,
    );
  refuseOverLimit(body.length);
  return body.map((value: unknown, index) => ({ position: { index }, value }));
}

/** One record a line; blank lines are skipped; a line that is not JSON fails the whole batch. */
function ndjsonRecords(text: string): PushedRecord[] {
  const records: PushedRecord[] = [];
  const lines = text.split('\n');
  refuseOverLimit(lines.filter((line) => line.trim()).length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      records.push({ position: { line: i + 1 }, value: JSON.parse(line) });
    } catch {
      throw new AppError('malformed_ndjson', 400, `Line ${i + 1} is not valid JSON. ${NOTHING_STORED}`);
    }
  }
  return records;
}

function refuseOverLimit(count: number): void {
  if (count <= MAX_BATCH_RECORDS) return;
  const [most, given] = [MAX_BATCH_RECORDS, count].map((n) => n.toLocaleString('en'));
  const message = `A batch holds at most ${most} records; this one holds ${given}. ${NOTHING_STORED} Send it in smaller batches.`;
  throw new AppError('too_many_records', 413, message);
}
