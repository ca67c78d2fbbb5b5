import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite, openPostgres, type Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';

export interface TestDatabase {
  db: Db;
  /** A connection string other processes can use (PostgreSQL server only). */
  url?: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of the test's own: embedded PGlite in memory by default, or,
 * when DATABASE_URL is set, a throwaway database created on that PostgreSQL server.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const db = await openPglite();
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  return throwawayDatabase(adminUrl, 'rd_test');
}

/** A new, migrated database on the server behind `adminUrl`, dropped by `drop()`. */
export async function throwawayDatabase(adminUrl: string, prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), 5);
  await migrate(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
