import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PURCHASE_COLUMNS } from './purchase-row.ts';

/** The file cannot be read, or is not a purchases file at all: nothing of it can be imported. */
export class PurchaseFileError extends Error {}

export interface PurchaseFile {
  path: string;
  format: 'csv' | 'ndjson';
  size: number;
}

/** One row of the file by the line it starts on: its values by column, or why it cannot be read. */
export type FileRecord = { line: number; values: Record<string, unknown> } | { line: number; error: string };

// A quoted CSV field may hold line breaks; past this it is taken for a quote never closed.
const MAX_RECORD_LINES = 50;

/** Checks that `file` is a readable regular file and tells CSV from NDJSON. */
export async function openPurchaseFile(file: string): Promise<PurchaseFile> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new PurchaseFileError(`Cannot read ${file}: ${describeError(error)}`);
  });
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new PurchaseFileError(`Cannot read ${file}: it is a directory`);
    if (!stat.isFile()) throw new PurchaseFileError(`Cannot read ${file}: not a regular file`);
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0).catch((error: NodeJS.ErrnoException) => {
      throw new PurchaseFileError(`Cannot read ${file}: ${describeError(error)}`);
    });
    return { path: file, format: formatOf(file, head.subarray(0, bytesRead)), size: stat.size };
  } finally {
    await handle.close();
  }
}

function describeError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'no such file';
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission denied';
  if (error.code === 'EISDIR') return 'it is a directory';
  return error.message;
}

function formatOf(file: string, head: Buffer): PurchaseFile['format'] {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  return head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('{')
    ? 'ndjson'
    : 'csv';
}

/**
 * One record of the file as its text, its fields not yet read: what the import's worker threads
 * are sent. Finding where a record ends (and numbering its lines) is the one sequential part;
 * reading its fields is done wherever the record goes.
 */
export type RawRecord = { line: number; text: string } | { line: number; error: string };

/**
 * The file's records as text, streamed. A CSV file's header is read (and checked: a file that is
 * not a purchases file fails here) before its first record; `header()` then gives its columns.
 */
export function readRawRecords(file: PurchaseFile): {
  records: AsyncIterable<RawRecord>;
  header(): string[] | undefined;
  bytesRead(): number;
} {
  const stream = createReadStream(file.path);
  const lines = new LineSource(createInterface({ input: stream, crlfDelay: Infinity }));
  const found: { header?: string[] } = {};
  const records = file.format === 'csv' ? csvRecords(lines, found) : ndjsonRecords(lines);
  return { records, header: () => found.header, bytesRead: () => stream.bytesRead };
}

/** A raw record's values by column; `header` is the CSV file's (unused for NDJSON). */
export function readRecord(
  format: PurchaseFile['format'],
  header: readonly string[] | undefined,
  record: RawRecord,
): FileRecord {
  if ('error' in record) return record;
  return format === 'csv' ? csvValues(header!, record) : ndjsonValues(record);
}

/**
 * One column's value of a raw record (undefined when the record cannot be read), without
 * building the others: most CSV records have no quotes, and are split at their commas only.
 */
export function readField(
  format: PurchaseFile['format'],
  header: readonly string[] | undefined,
  record: RawRecord,
  column: string,
): unknown {
  if ('error' in record) return undefined;
  if (format === 'csv' && !record.text.includes('"')) {
    const fields = record.text.split(',');
    return fields.length === header!.length ? fields[header!.indexOf(column)] : undefined;
  }
  const read = readRecord(format, header, record);
  return 'values' in read ? read.values[column] : undefined;
}

interface Line {
  number: number;
  text: string;
}

/** Physical lines, numbered from 1, without a byte order mark; lines can be put back. */
class LineSource {
  private readonly iterator: AsyncIterator<string>;
  private readonly putBack: Line[] = [];
  private count = 0;

  constructor(lines: AsyncIterable<string>) {
    this.iterator = lines[Symbol.asyncIterator]();
  }

  async next(): Promise<Line | undefined> {
    const back = this.putBack.shift();
    if (back) return back;
    const result = await this.iterator.next();
    if (result.done) return undefined;
    this.count++;
    const text = this.count === 1 ? result.value.replace(/^\uFEFF/, '') : result.value;
    return { number: this.count, text };
  }

  unread(lines: Line[]): void {
    this.putBack.unshift(...lines);
  }
}

async function* ndjsonRecords(lines: LineSource): AsyncGenerator<RawRecord> {
  for (let line = await lines.next(); line; line = await lines.next()) {
    if (line.text.trim() !== '') yield { line: line.number, text: line.text };
  }
}

function ndjsonValues(record: { line: number; text: string }): FileRecord {
  let value: unknown;
  try {
    value = JSON.parse(record.text);
  } catch (error) {
    return { line: record.line, error: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line: record.line, error: 'not a JSON object' };
  }
  return { line: record.line, values: value as Record<string, unknown> };
}

async function* csvRecords(lines: LineSource, found: { header?: string[] }): AsyncGenerator<RawRecord> {
  for (let first = await lines.next(); first; first = await lines.next()) {
    if (first.text.trim() === '') continue;
    const taken = [first];
    let text = first.text;
    let quotes = countQuotes(text);
    while (quotes % 2 === 1 && taken.length < MAX_RECORD_LINES) {
      const more = await lines.next();
      if (!more) break;
      taken.push(more);
      text += `\n${more.text}`;
      quotes += countQuotes(more.text);
    }
    if (quotes % 2 === 1) {
      // Only this record is lost: the lines it swallowed are read again as records of their own.
      lines.unread(taken.slice(1));
      yield { line: first.number, error: 'a quoted field is never closed' };
    } else if (found.header) {
      yield { line: first.number, text };
    } else {
      const fields = splitCsvRecord(text);
      if (typeof fields === 'string') yield { line: first.number, error: fields };
      else found.header = checkHeader(fields, first.number);
    }
  }
}

function csvValues(header: readonly string[], record: { line: number; text: string }): FileRecord {
  const fields = splitCsvRecord(record.text);
  if (typeof fields === 'string') return { line: record.line, error: fields };
  if (fields.length !== header.length) {
    return { line: record.line, error: `expected ${header.length} fields, found ${fields.length}` };
  }
  const values: Record<string, string> = {};
  header.forEach((column, i) => (values[column] = fields[i]!));
  return { line: record.line, values };
}

function countQuotes(text: string): number {
  let count = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) count++;
  return count;
}

/** RFC 4180 fields of one record; a string when it is malformed. A quote inside an unquoted field is kept. */
export function splitCsvRecord(text: string): string[] | string {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (text[at] === '"') {
      let value = '';
      let from = at + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) return `field ${fields.length + 1}: a quoted field is never closed`;
        value += text.slice(from, close);
        if (text[close + 1] !== '"') {
          at = close + 1;
          break;
        }
        value += '"';
        from = close + 2;
      }
      fields.push(value);
      if (at < text.length && text[at] !== ',') {
        return `field ${fields.length}: unexpected text after its closing quote`;
      }
    } else {
      const comma = text.indexOf(',', at);
      fields.push(text.slice(at, comma === -1 ? text.length : comma));
      at = comma === -1 ? text.length : comma;
    }
    if (at >= text.length) return fields;
    at++; // past the comma
    if (at === text.length) return [...fields, ''];
  }
}

function checkHeader(fields: string[], line: number): string[] {
  const header = fields.map((f) => f.trim());
  const missing = PURCHASE_COLUMNS.filter((column) => !header.includes(column));
  const unknown = header.filter((column) => !(PURCHASE_COLUMNS as readonly string[]).includes(column));
  const repeated = header.filter((column, i) => header.indexOf(column) !== i);
  const problems = [
    missing.length ? `missing column(s): ${missing.join(', ')}` : '',
    unknown.length ? `unknown column(s): ${unknown.join(', ')}` : '',
    repeated.length ? `repeated column(s): ${repeated.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length)
    throw new PurchaseFileError(`line ${line}: not a purchases header: ${problems.join('; ')}`);
  return header;
}
