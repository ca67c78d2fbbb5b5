/**
 * The import figure's baseline on embedded PGlite: `COPY … FROM '/dev/blob'` of the CSV into a
 * bare table of text columns in a fresh PGlite data directory (what `psql \copy` is on a server).
 * `node --import tsx bench/pglite-copy.ts FILE DIR`
 */
import { openAsBlob } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PURCHASE_COLUMNS } from '../src/purchases/purchase-row.ts';

const [file, dir] = process.argv.slice(2);
if (!file || !dir) throw new Error('usage: pglite-copy.ts FILE DIR');
const lite = await PGlite.create({ dataDir: dir });
await lite.exec(`CREATE TABLE bench_copy (${PURCHASE_COLUMNS.map((c) => `${c} text`).join(', ')})`);
await lite.query(`COPY bench_copy FROM '/dev/blob' WITH (FORMAT csv, HEADER true)`, [], {
  blob: await openAsBlob(file),
});
const [row] = (await lite.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_copy')).rows;
await lite.close();
process.stdout.write(`${row?.n ?? 0}\n`);
