import pg from 'pg';

/**
 * A PostgreSQL session advisory lock held on a connection of its own, so that one process at a
 * time does a thing (polls the mailbox). It is the database's, not Redis's, because it goes with
 * the connection: a process that dies or loses the database lets go at once, with no TTL to wait
 * out and no clock to trust.
 */
export interface SessionLock {
  /** Whether this process holds the lock now, taking it if it is free; rejects when the database cannot be reached. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

export function sessionLock(url: string, key: number, applicationName: string): SessionLock {
  let client: pg.Client | undefined;

  const drop = () => {
    const gone = client;
    client = undefined;
    return gone?.end().catch(() => {});
  };

  return {
    async hold() {
      if (client) {
        // Still connected means still held: the server lets go only when the session ends.
        try {
          await client.query('SELECT 1');
          return true;
        } catch {
          await drop();
        }
      }
      const next = new pg.Client({
        connectionString: url,
        keepAlive: true,
        connectionTimeoutMillis: 10_000,
        application_name: applicationName,
      });
      next.on('error', () => {
        if (client === next) void drop();
      });
      try {
        await next.connect();
        const [row] = (await next.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1) AS held', [key]))
          .rows;
        if (row?.held) {
          client = next;
          return true;
        }
      } catch (error) {
        // The database cannot be reached: not "another holds it", which the caller must tell apart.
        await next.end().catch(() => {});
        throw error;
      }
      await next.end().catch(() => {});
      return false;
    },
    async release() {
      await drop();
    },
  };
}
