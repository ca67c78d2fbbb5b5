import { parseArgs } from 'node:util';
import { checkKeysOpenStoredData, requireCodesUnderCurrentKey } from '../keys/keys.service.ts';
import { openPurchaseFile, PurchaseFileError, type PurchaseFile } from '../purchases/purchase-file.ts';
import { importPurchases, type ImportProgress } from '../purchases/purchases.import.ts';
import { UsageError, withDatabase, type Command } from './command.ts';

/**
 * `desk import purchases FILE`: rejected rows on stderr as `line N: reason`, the summary on
 * stdout, a progress bar on stderr when it is a terminal. Exit 0 when the file was read, even
 * with rejected rows; 1 when it cannot be read; 2 when called wrongly.
 */
export const importCommand: Command = {
  usage: 'import purchases FILE   load purchase records from a CSV or NDJSON file',
  async run(args) {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
    const [what, path, ...extra] = positionals;
    if (what !== 'purchases') throw new UsageError(what ? `Cannot import "${what}".` : 'Import what?');
    if (!path) throw new UsageError('The file to import is missing.');
    if (extra.length) throw new UsageError(`One file at a time (also given: ${extra.join(' ')}).`);

    let file: PurchaseFile;
    try {
      file = await openPurchaseFile(path);
    } catch (error) {
      if (!(error instanceof PurchaseFileError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
    try {
      const counts = await withDatabase(async (db, config) => {
        // Codes written under a key the desk cannot read would be lost to it.
        await checkKeysOpenStoredData(db, config);
        await requireCodesUnderCurrentKey(db, config);
        return importPurchases(db, file, config.secretKey, {
          rejected(line, reason) {
            bar?.clear();
            process.stderr.write(`line ${line}: ${reason}\n`);
          },
          progress: (progress) => bar?.show(progress),
        });
      });
      bar?.clear();
      process.stdout.write(
        `Imported ${counts.rows} rows: ${counts.inserted} new, ${counts.updated} updated, ` +
          `${counts.unchanged} unchanged, ${counts.rejected} rejected\n`,
      );
      return 0;
    } finally {
      bar?.clear();
    }
  },
};

/** One line on a terminal, redrawn at most ten times a second. */
class ProgressBar {
  private drawnAt = 0;
  private shown = false;
  private phase?: { name: ImportProgress['phase']; startedAt: number };

  constructor(private readonly out: NodeJS.WriteStream) {}

  show(progress: ImportProgress): void {
    const now = Date.now();
    if (this.phase?.name !== progress.phase) this.phase = { name: progress.phase, startedAt: now };
    if (now - this.drawnAt < 100) return;
    this.drawnAt = now;
    const share = progress.totalRows
      ? progress.rows / progress.totalRows
      : progress.bytes / Math.max(progress.totalBytes, 1);
    const width = 24;
    const filled = Math.min(width, Math.round(share * width));
    const elapsed = now - this.phase.startedAt;
    const rate =
      elapsed >= 500 ? `  ${Math.round((progress.rows * 1000) / elapsed).toLocaleString('en')} rows/s` : '';
    const rows = progress.totalRows
      ? `${progress.rows.toLocaleString('en')}/${progress.totalRows.toLocaleString('en')}`
      : progress.rows.toLocaleString('en');
    const label = progress.phase === 'checking' ? 'Checking ' : 'Importing';
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(share * 100)}%  ${rows} rows${rate}`;
    this.out.write(`\r\x1b[2K${line.slice(0, Math.max((this.out.columns || 80) - 1, 20))}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}
