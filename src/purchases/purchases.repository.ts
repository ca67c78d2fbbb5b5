import type { Db, Queryable } from '../db/db.ts';
import { PURCHASE_RECORD_COLUMNS, type PurchaseRecord } from './purchase-record.ts';
import { copyLine, WRITE_COLUMNS, WRITE_NAMES, type PurchaseWrite } from './purchase-write.ts';

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Rows in COPY's text format (columns in WRITE_NAMES order), and how many. */
export interface CopyChunk {
  text: string;
  rows: number;
}

const COLUMNS = WRITE_COLUMNS;
const NAMES = WRITE_NAMES;
// What makes a record different. Not the ciphertext: its nonce is random; the code's HMAC stands for it.
const COMPARED = NAMES.filter((name) => name !== 'license_number' && name !== 'activation_code_enc');

/**
 * What the desk decided outranks an older file: a licence the desk refunded or revoked stays so,
 * and a code the desk replaced (kept in activation_code_history) is never restored. Everything
 * else comes from the file. `e` is the row as it will be written.
 */
const effective = (source: string) => `
  CROSS JOIN LATERAL (SELECT ${NAMES.map((name) => {
    if (name === 'status')
      return `CASE WHEN old.status IN ('refunded', 'revoked') THEN old.status ELSE ${source}.status END AS status`;
    if (name === 'activation_code_enc' || name === 'activation_code_hmac')
      return `CASE WHEN EXISTS (SELECT 1 FROM activation_code_history h
                                 WHERE h.purchase_id = old.id AND h.code_hmac = ${source}.activation_code_hmac)
                   THEN old.${name} ELSE ${source}.${name} END AS ${name}`;
    return `${source}.${name}`;
  }).join(', ')}) e`;

/**
 * Inserts new licence numbers and updates records that differ. A record equal to its row is
 * filtered out before the upsert, so it is not even locked: a re-import only reads. (The lateral
 * subquery, fenced by OFFSET 0, makes that one index lookup a row: as a plain join the planner
 * hashes the whole table for every batch.) The upsert's own WHERE keeps a concurrent writer's
 * change from being counted twice. xmax = 0 marks an inserted row. Both the file import and the
 * purchases API write through this one statement, so both keep what the desk decided.
 */
const writeFrom = (source: string) => `
    INSERT INTO purchases AS p (${NAMES.join(', ')})
    SELECT ${NAMES.map((name) => `e.${name}`).join(', ')}
      FROM ${source}
      LEFT JOIN LATERAL (SELECT * FROM purchases WHERE license_number = s.license_number OFFSET 0) old ON true
      ${effective('s')}
     WHERE old.id IS NULL OR ${distinct('old', 'e')}
    ON CONFLICT (license_number) DO UPDATE SET
      ${COMPARED.map((name) => `${name} = EXCLUDED.${name}`).join(', ')},
      activation_code_enc = CASE WHEN p.activation_code_hmac = EXCLUDED.activation_code_hmac
                                 THEN p.activation_code_enc ELSE EXCLUDED.activation_code_enc END,
      updated_at = now()
    WHERE ${distinct('p', 'EXCLUDED')}
    RETURNING p.license_number, (xmax = 0) AS inserted`;

const upsertFrom = (source: string) => `
  WITH written AS (${writeFrom(source)})
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
         count(*) FILTER (WHERE NOT inserted)::int AS updated
    FROM written`;

function distinct(stored: string, imported: string): string {
  const columns = (table: string) => COMPARED.map((name) => `${table}.${name}`).join(', ');
  return `(${columns(stored)}) IS DISTINCT FROM (${columns(imported)})`;
}

// COPY into a staging table of the session, then one upsert from it.
const STAGING = 'purchase_import';
const CREATE_STAGING = `CREATE TEMP TABLE IF NOT EXISTS ${STAGING}
  (${NAMES.map((name) => `${name} ${COLUMNS[name]}`).join(', ')}) ON COMMIT DELETE ROWS`;
const COPY_INTO_STAGING = `COPY ${STAGING} (${NAMES.join(', ')}) FROM STDIN`;
const UPSERT_FROM_STAGING = upsertFrom(`${STAGING} s`);
const WRITE_FROM_STAGING = writeFrom(`${STAGING} s`);
const COPY_BATCH = 10_000;

type Written = { inserted: number; updated: number };

/**
 * Writes a stream of rows (each licence number once), telling `onBatch` what each batch did.
 * Into an empty table it is one bulk load (see loadIntoEmpty); otherwise rows go in batches,
 * each in its own transaction, each an upsert. Rows arrive already in COPY's text format and
 * stream straight into COPY: they are never gathered.
 */
export async function upsertPurchases(
  db: Db,
  chunks: AsyncIterable<CopyChunk>,
  onBatch: (counts: UpsertCounts) => void,
): Promise<void> {
  const source = new Batches(chunks[Symbol.asyncIterator]());
  const done = (batchRows: number, { inserted, updated }: Written) =>
    onBatch({ inserted, updated, unchanged: batchRows - inserted - updated });
  if (await loadIntoEmpty(db, source, done)) return;
  await copyBatches(db, source, done);
}

// The table's indexes that no constraint owns (the primary key and the licence number's unique
// constraint stay), each with the statement that builds it again exactly as its migration did.
const SECONDARY_INDEXES = `
  SELECT format('%I.%I', i.schemaname, i.indexname) AS name, i.indexdef AS definition
    FROM pg_indexes i
   WHERE i.schemaname = current_schema() AND i.tablename = 'purchases'
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                      WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`;
// Unique constraints no foreign key leans on (the licence number's): dropped and added again
// around the first load too, each with the clause that makes it again. Kept up during COPY, the
// licence number's index cost a million-row load about 6.5 s; built at the end, 2.5.
const UNIQUE_CONSTRAINTS = `
  SELECT format('%I', c.conname) AS name, pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint c
   WHERE c.conrelid = 'purchases'::regclass AND c.contype = 'u'
     AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)`;
const COPY_INTO_PURCHASES = `COPY purchases (${NAMES.join(', ')}) FROM STDIN`;

/**
 * The first load, into an empty table, in one transaction: the secondary indexes and the
 * licence number's unique constraint are dropped, every row is written, and they are built
 * again from the sorted whole. Kept up row by
 * row, eight indexes of random keys cost a million-row load 38 of its seconds; built at the end,
 * about 10. The table is locked meanwhile (readers wait; an empty table had nothing to tell
 * them), and a failure leaves it as it was: empty, with its indexes. False when the table
 * holds rows: then nothing was read from `source`.
 */
async function loadIntoEmpty(db: Db, source: Batches, done: (rows: number, written: Written) => void) {
  return db.transaction(async (tx) => {
    await tx.exec('LOCK TABLE purchases IN SHARE ROW EXCLUSIVE MODE');
    const [table] = await tx.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT FROM purchases) AS empty');
    if (!table?.empty) return false;
    const indexes = await tx.query<{ name: string; definition: string }>(SECONDARY_INDEXES);
    const uniques = await tx.query<{ name: string; definition: string }>(UNIQUE_CONSTRAINTS);
    for (const index of indexes) await tx.exec(`DROP INDEX ${index.name}`);
    for (const unique of uniques) await tx.exec(`ALTER TABLE purchases DROP CONSTRAINT ${unique.name}`);
    let count = 0;
    await tx.copyFrom(
      COPY_INTO_PURCHASES,
      source.copyText(Infinity, (n) => (count = n)),
    );
    done(count, { inserted: count, updated: 0 });
    // Each build sorts every key; at the server's default 64 MB a million of them spill to disk.
    await tx.exec(`SET LOCAL maintenance_work_mem = '256MB'`);
    // The check pass wrote each licence number once, so adding its constraint again cannot fail.
    for (const unique of uniques)
      await tx.exec(`ALTER TABLE purchases ADD CONSTRAINT ${unique.name} ${unique.definition}`);
    for (const index of indexes) await tx.exec(index.definition);
    return true;
  });
}

/**
 * Each batch streams into COPY; its upsert then runs on the server while the next batch
 * streams in on another connection (at most two batches in flight).
 */
async function copyBatches(db: Db, source: Batches, done: (rows: number, written: Written) => void) {
  let previous: Promise<void> = Promise.resolve();
  while (!source.finished) {
    let count = 0;
    let copied = () => {};
    const streamed = new Promise<void>((resolve) => (copied = resolve));
    const batch = db.transaction(async (tx) => {
      await tx.exec(CREATE_STAGING);
      await tx.copyFrom(
        COPY_INTO_STAGING,
        source.copyText(COPY_BATCH, (n) => (count = n)),
      );
      copied();
      return tx.query<Written>(UPSERT_FROM_STAGING);
    });
    await Promise.race([streamed, batch]);
    const written = Promise.all([previous, batch]).then(([, [counts]]) => done(count, counts!));
    written.catch(() => {}); // awaited below or with the next batch; not an unhandled rejection
    await previous;
    previous = written;
  }
  await previous;
}

/** Cuts one stream of COPY chunks into batches of rows without closing it between them. */
class Batches {
  finished = false;

  constructor(private readonly chunks: AsyncIterator<CopyChunk>) {}

  /**
   * Chunks until they hold at least `size` rows (or the stream ends), as COPY's input;
   * `counted` learns how many rows there were once it ends.
   */
  async *copyText(size: number, counted: (n: number) => void): AsyncGenerator<string> {
    let count = 0;
    while (count < size) {
      const next = await this.chunks.next();
      if (next.done) {
        this.finished = true;
        break;
      }
      count += next.value.rows;
      if (next.value.text) yield next.value.text;
    }
    counted(count);
  }
}

/**
 * Writes a few rows (each licence number once) in the caller's transaction, through the same
 * staging table and statement as the import: each licence number written, and whether it was new.
 * A licence number not returned was already so (or kept what the desk decided).
 */
export async function writePurchaseRows(
  tx: Queryable,
  rows: readonly PurchaseWrite[],
): Promise<Map<string, 'created' | 'updated'>> {
  const written = new Map<string, 'created' | 'updated'>();
  if (!rows.length) return written;
  await tx.exec(CREATE_STAGING);
  await tx.copyFrom(COPY_INTO_STAGING, [rows.map(copyLine).join('')]);
  const returned = await tx.query<{ license_number: string; inserted: boolean }>(WRITE_FROM_STAGING);
  // ON COMMIT DELETE ROWS empties it at the end; emptied now, a second call in the same transaction starts clean.
  await tx.exec(`TRUNCATE ${STAGING}`);
  for (const row of returned) written.set(row.license_number, row.inserted ? 'created' : 'updated');
  return written;
}

/** A stored purchase with its encrypted code and timestamps (as text, to the microsecond). */
export interface StoredPurchase extends PurchaseRecord {
  activation_code_enc: string;
  activation_code_hmac: string | null;
  imported_at: string;
  updated_at: string;
}

export async function findPurchaseByLicenseNumber(
  db: Queryable,
  licenseNumber: string,
): Promise<StoredPurchase | undefined> {
  const [row] = await db.query<StoredPurchase>(
    `SELECT ${PURCHASE_RECORD_COLUMNS}, activation_code_enc, activation_code_hmac,
            imported_at::text AS imported_at, updated_at::text AS updated_at
       FROM purchases WHERE license_number = $1`,
    [licenseNumber],
  );
  return row;
}

/**
 * Refreshes the planner's statistics of the purchases table. After a bulk load they are stale
 * (or, on a new table, missing), and the matcher's candidate lookup then plans badly.
 */
export async function analyzePurchases(db: Db): Promise<void> {
  await db.exec('ANALYZE purchases');
}
