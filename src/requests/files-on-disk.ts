import { existsSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { fileCipherOf, writeChunks } from './attachment-store.ts';
import { listFilesOnDisk, markMovedIn } from './attachments.repository.ts';

export interface MovedIn {
  moved: number;
  /** Rows whose file is not under this DATA_DIR: another host's, or lost. */
  notHere: number;
}

const BATCH = 100;

/**
 * `desk migrate`: desks before issue 14 wrote uploads under DATA_DIR/uploads/<month>/. A migration
 * cannot read files, so the command moves each file it finds here into attachment_chunks (one
 * transaction each), then deletes it. Run again, it finds nothing more to move; files on another
 * host's DATA_DIR are counted, so the operator knows to run it there too.
 */
export async function moveFilesOnDiskIn(
  db: Db,
  config: Pick<Config, 'dataDir' | 'secretKey' | 'secretKeyPrevious'>,
): Promise<MovedIn> {
  const cipher = fileCipherOf(config);
  const root = path.resolve(config.dataDir);
  const result: MovedIn = { moved: 0, notHere: 0 };
  for (let after = 0; ;) {
    const rows = await listFilesOnDisk(db, after, BATCH);
    if (rows.length === 0) return result;
    for (const row of rows) {
      after = row.id;
      // storage_path was always the desk's own (uploads/<month>/<uuid>.<ext>); still, stay in DATA_DIR.
      const file = path.resolve(root, row.storage_path);
      if (!file.startsWith(root + path.sep) || !existsSync(file)) {
        result.notHere++;
        continue;
      }
      const moved = await db.transaction(async (tx) => {
        // Row first: a purge that got there before leaves it '' and this moves nothing.
        if (!(await markMovedIn(tx, row.id, row.storage_path))) return false;
        const written = await writeChunks(tx, cipher, row.id, file);
        if (written !== row.size_bytes)
          throw new Error(
            `${row.storage_path} has ${written} bytes, its attachment row says ${row.size_bytes}`,
          );
        return true;
      });
      if (!moved) continue;
      await rm(file, { force: true });
      await rmdir(path.dirname(file)).catch(() => {}); // the month's folder, once empty
      result.moved++;
    }
  }
}
