import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDb } from '../db/db.ts';
import { migrate } from '../db/migrate.ts';
import type { Command } from './command.ts';

export const migrateCommand: Command = {
  usage: 'migrate                 bring the database schema up to date',
  async run(args) {
    parseArgs({ args, options: {}, allowPositionals: false });
    const config = loadConfig();
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrate(db);
      process.stdout.write(
        applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n',
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};
