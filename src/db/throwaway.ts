import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type Db } from './db.ts';
import { migrate } from './migrate.ts';

export interface ThrowawayDatabase {
  db: Db;
  /** Its connection string, for other processes. */
  url: string;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
}

/**
 * A new, migrated database named `<prefix>_<random>` on the server behind `serverUrl` (any
 * database there the user may connect to), for `desk eval`, the tests and the bench.
 */
export async function throwawayDatabase(
  serverUrl: string,
  prefix: string,
  max = 5,
): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), max);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw error;
  }
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
