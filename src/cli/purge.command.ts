import { z } from 'zod';
import { purgeableCount, purgeClosedRequests } from '../purge/purge.service.ts';
import { optionValue, parseOptions } from './arguments.ts';
import { UsageError, withDatabase, type Command } from './command.ts';

const days = z.coerce
  .number({ error: 'give a whole number of days' })
  .int({ error: 'give a whole number of days' })
  .min(1, { error: 'at least 1 day' })
  .max(36500, { error: 'at most 36500 days' });

/** `desk purge --older-than DAYS [--dry-run]`: redacts closed requests and answered code lookups past retention. */
export const purgeCommand: Command = {
  usage:
    'purge --older-than DAYS [--dry-run]   redact personal data of requests closed (and code lookups made) DAYS ago',
  async run(args) {
    const { positionals, values } = parseOptions({
      args,
      options: { 'older-than': { type: 'string' }, 'dry-run': { type: 'boolean' } },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`Unexpected arguments: ${positionals.join(' ')}.`);
    const olderThan = optionValue(days, values['older-than'], '--older-than');
    const message = await withDatabase(async (db, config) => {
      if (values['dry-run']) {
        const n = await purgeableCount(db, olderThan);
        return (
          `${n.requests} closed requests and ${n.lookups} answered code lookups are older than ` +
          `${olderThan} days and would be purged.`
        );
      }
      const r = await purgeClosedRequests({ db, dataDir: config.dataDir }, olderThan);
      return (
        `Purged ${r.purged} closed requests and ${r.lookupsPurged} answered code lookups older than ` +
        `${olderThan} days (${r.filesRemoved} uploaded files and ${r.outboxFilesRemoved} outbox email files removed).`
      );
    });
    process.stdout.write(`${message}\n`);
    return 0;
  },
};
