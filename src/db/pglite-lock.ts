import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export class DatabaseInUseError extends Error {
  constructor(
    readonly owner: number,
    options?: ErrorOptions,
  ) {
    super(
      `The embedded database is in use by process ${owner} (is the desk running?). ` +
        'Stop it first, or set DATABASE_URL to a PostgreSQL server so several processes can share it.',
      options,
    );
  }
}

/**
 * Embedded PGlite is one process's database: two processes writing one data directory would
 * corrupt it. The lock file holds the owner's pid; a lock left by a dead process is taken over.
 */
export function lockDataDir(lockFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockFile, 'utf8'));
      if (owner !== process.pid && isAlive(owner)) {
        throw new DatabaseInUseError(owner, { cause: error });
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Cannot lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
