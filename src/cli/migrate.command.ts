import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDb } from '../db/db.ts';
import { migrate } from '../db/migrate.ts';
import { moveFilesOnDiskIn } from '../requests/files-on-disk.ts';
import type { Command } from './command.ts';

export const migrateCommand: Command = {
  usage: 'migrate                 bring the database schema up to date; move older uploads into it',
  async run(args) {
    parseArgs({ args, options: {}, allowPositionals: false });
    const config = loadConfig();
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrate(db);
      process.stdout.write(
        applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n',
      );
      // Uploads an older desk wrote under DATA_DIR/uploads go into the database (issue 14).
      const files = await moveFilesOnDiskIn(db, config);
      if (files.moved > 0)
        process.stdout.write(
          `Moved ${files.moved} uploaded files from DATA_DIR/uploads into the database.\n`,
        );
      if (files.notHere > 0)
        process.stdout.write(
          `${files.notHere} uploaded files of an older desk are not under ${config.dataDir}: ` +
            'run `desk migrate` on the host whose DATA_DIR has them.\n',
        );
      return 0;
    } finally {
      await db.close();
    }
  },
};
