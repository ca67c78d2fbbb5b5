import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { joinOrStartEmbedded } from './embedded-postgres.ts';

/** Anything that runs SQL: the database itself, or one open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `COPY … FROM STDIN`, streaming `data`. */
  copyFrom(sql: string, data: AsyncIterable<string> | string[]): Promise<void>;
}

export interface Db extends Queryable {
  /** `embedded`: the server the desk started itself under DATA_DIR (embedded-postgres.ts). */
  readonly kind: 'server' | 'embedded';
  /** Its connection string, for a connection of one's own (the outbox relay's LISTEN). */
  readonly url: string;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const INT8 = 20;
const DATE = 1082;
// Bigint ids and counts read as numbers, and dates as 'YYYY-MM-DD' strings (a JavaScript Date
// would shift a calendar date by the local time zone).
const parsers: Record<number, (value: string) => unknown> = {
  [INT8]: (v: string) => Number(v),
  [DATE]: (v: string) => v,
};

/**
 * The PostgreSQL server at DATABASE_URL; with it unset, the embedded server under DATA_DIR,
 * started or joined (embedded-postgres.ts) and left when the database is closed.
 */
export async function openDb(options: { databaseUrl?: string; dataDir: string; max?: number }): Promise<Db> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.max);
  const embedded = await joinOrStartEmbedded(options.dataDir);
  const db = openPostgres(embedded.url, options.max, 'embedded');
  return { ...db, close: () => db.close().finally(() => embedded.leave()) };
}

export function openPostgres(connectionString: string, max = 10, kind: Db['kind'] = 'server'): Db {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    types: {
      getTypeParser: (oid: number, format?: string) =>
        parsers[oid] ?? (pg.types.getTypeParser(oid, format as 'text') as (value: string) => unknown),
    },
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind,
    url: connectionString,
    async query(sql, params) {
      return (await pool.query(prepared(sql, params))).rows as never[];
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async copyFrom(sql, data) {
      const client = await pool.connect();
      try {
        await copyInto(client, sql, data);
        client.release();
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async (sql, params) => (await client.query(prepared(sql, params))).rows as never[],
          exec: async (sql) => void (await client.query(sql)),
          copyFrom: (sql, data) => copyInto(client, sql, data),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Statements with parameters run as named prepared statements: each connection parses and plans
 * a statement once, not on every call. The name is the text's hash, so the same SQL is one
 * statement however many places run it; the desk's statements are a fixed, small set.
 */
function prepared(text: string, values: unknown[] | undefined): pg.QueryConfig {
  if (!values) return { text };
  const name = `rd_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
  return { name, text, values };
}

function copyInto(client: pg.ClientBase, sql: string, data: AsyncIterable<string> | string[]): Promise<void> {
  return pipeline(Readable.from(data), client.query(copyFromStdin(sql)));
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether an error means the database server could not be reached or went away (a passing
 * fault, answered 503 with Retry-After), rather than something wrong with the query.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  // SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server shutting down or starting).
  if (typeof e.code === 'string' && (UNREACHABLE_CODES.has(e.code) || /^(08...|57P0[123])$/.test(e.code)))
    return true;
  if (
    typeof e.message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|connection error|Connection ended/i.test(
      e.message,
    )
  )
    return true;
  return e.cause !== undefined && e.cause !== error && isDatabaseUnreachable(e.cause);
}

const UNIQUE_VIOLATION = '23505';

/** A PostgreSQL unique violation (SQLSTATE 23505), on `constraint` if named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  return (
    e.code === UNIQUE_VIOLATION &&
    (!constraint || e.constraint === constraint || !!e.message?.includes(constraint))
  );
}
