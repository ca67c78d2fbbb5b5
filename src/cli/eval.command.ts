import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config.ts';
import { joinOrStartEmbedded } from '../db/embedded-postgres.ts';
import { throwawayDatabase } from '../db/throwaway.ts';
import { evaluateMatching, readLabelled, type Miss } from '../matching/evaluation.ts';
import { openPurchaseFile } from '../purchases/purchase-file.ts';
import { importPurchases } from '../purchases/purchases.import.ts';
import { parseOptions } from './arguments.ts';
import { UsageError, type Command } from './command.ts';

/**
 * `desk eval matching --purchases FILE --requests FILE`: a throwaway database (on the configured
 * server, or the embedded one under DATA_DIR), dropped at the end; the
 * purchases imported, every request filed and matched in file order through the worker's code
 * path. The metrics of shared/data/README.md go to stdout as one JSON line, the misses to stderr.
 */
export const evalCommand: Command = {
  usage: 'eval matching --purchases FILE --requests FILE   measure the matcher on labelled data',
  async run(args) {
    const { positionals, values } = parseOptions({
      args,
      options: { purchases: { type: 'string' }, requests: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals[0] !== 'matching' || positionals.length > 1)
      throw new UsageError(positionals[0] ? `Cannot evaluate "${positionals.join(' ')}".` : 'Evaluate what?');
    if (!values.purchases) throw new UsageError('--purchases is required.');
    if (!values.requests) throw new UsageError('--requests is required.');

    const file = await openPurchaseFile(values.purchases);
    await openPurchaseFile(values.requests); // fails early, with a clear message, on a missing file
    const config = loadConfig();
    const embedded = config.databaseUrl ? undefined : await joinOrStartEmbedded(config.dataDir);
    const { db, drop } = await throwawayDatabase(config.databaseUrl ?? embedded!.url, 'rd_eval');
    try {
      const imported = await importPurchases(db, file, randomBytes(32).toString('hex'), {
        rejected: (line, reason) => process.stderr.write(`purchases line ${line}: ${reason}\n`),
      });
      process.stderr.write(`Loaded ${imported.inserted} purchases.\n`);
      const { metrics, misses } = await evaluateMatching(db, readLabelled(values.requests));
      process.stderr.write(missTable(misses));
      const instant = metrics.instant_recovery;
      process.stderr.write(
        `Instant recovery: ${instant.requests} of ${metrics.requests} requests (${(instant.share * 100).toFixed(1)}%) ` +
          `would be resolved by the desk itself; on the wrong purchase: ${instant.wrong_purchase}; ` +
          `not the purchaser's: ${instant.not_the_purchaser}.\n`,
      );
      process.stdout.write(`${JSON.stringify(metrics)}\n`);
      return 0;
    } finally {
      await drop();
      await embedded?.leave();
    }
  },
};

function missTable(misses: Miss[]): string {
  if (misses.length === 0) return 'No misses.\n';
  const rows = misses.map((m) => [
    m.id,
    m.kind,
    `${m.expected} → ${m.got}`,
    m.expectedPurchase === m.gotPurchase ? 'same' : `${m.expectedPurchase ?? '-'} → ${m.gotPurchase ?? '-'}`,
    m.missingFlags.join(',') || '-',
    m.reason,
  ]);
  const header = ['id', 'kind', 'verdict', 'purchase', 'missing flags', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${misses.length} misses:\n${[header, ...rows].map(line).join('\n')}\n`;
}
