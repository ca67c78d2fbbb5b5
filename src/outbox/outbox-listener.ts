import pg from 'pg';
import type { Logger } from '../logger.ts';

/** The channel on which a writer that runs no relay of its own says the outbox has rows. */
export const OUTBOX_CHANNEL = 'desk_outbox';

export interface OutboxListener {
  /** Whether the connection is up and LISTENing now: while it is not, the relay polls. */
  readonly listening: boolean;
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;

/**
 * Holds one dedicated connection LISTENing on OUTBOX_CHANNEL and calls `onRows` on each
 * notification, and after each (re)connection, since notifications sent while it was away are
 * lost. A lost connection (a database restart, a network cut) is opened again with backoff.
 */
export function listenForOutboxRows(url: string, logger: Logger, onRows: () => void): OutboxListener {
  let current: pg.Client | undefined;
  let stopped = false;
  let failing = false;
  let retryMs = FIRST_RETRY_MS;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: url,
      keepAlive: true,
      application_name: 'desk outbox relay',
    });
    let gone = false;
    const lose = (error?: unknown) => {
      if (gone) return;
      gone = true;
      if (current === client) current = undefined;
      client.end().catch(() => {});
      if (stopped) return;
      if (!failing)
        logger.warn({ err: error }, 'outbox listener lost the database; polling until it is back');
      failing = true;
      retry = setTimeout(() => void connect(), retryMs);
      retry.unref();
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    };
    client.on('error', lose);
    client.on('end', () => lose());
    client.on('notification', () => onRows());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      return lose(error);
    }
    if (stopped || gone) return void client.end().catch(() => {});
    if (failing) logger.info('outbox listener reaches the database again');
    failing = false;
    retryMs = FIRST_RETRY_MS;
    current = client;
    onRows();
  }

  void connect();
  return {
    get listening() {
      return current !== undefined;
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const client = current;
      current = undefined;
      await client?.end().catch(() => {});
    },
  };
}
