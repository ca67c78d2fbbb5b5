import { ImapFlow } from 'imapflow';
import type { Config, ImapMailbox } from '../config.ts';
import type { Db } from '../db/db.ts';
import { serializeError, type Logger } from '../logger.ts';
import { storeInbound, storeOversize, type InboundEnvelope } from './inbound.repository.ts';
import { sessionLock } from './session-lock.ts';

/**
 * `standby`: another process polls (it holds the lock); `active`: this one polls; `failing`: the
 * mailbox or the database cannot be reached, tried again with backoff.
 */
export const POLLER_STATES = ['starting', 'standby', 'active', 'failing', 'stopped'] as const;
export type PollerState = (typeof POLLER_STATES)[number];

export interface ImapPoller {
  readonly state: PollerState;
  stop(): Promise<void>;
}

// Any fixed number no other lock of the desk uses (migrations take 727_001).
const POLLER_LOCK = 727_016;
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 60_000;
const POLLED: InboundEnvelope = { via: 'imap', from: null, to: [] };

type PollerConfig = Pick<Config, 'secretKey' | 'secretKeyPrevious' | 'inbound'>;

/**
 * Polls INBOUND_IMAP_URL every INBOUND_IMAP_POLL_SECONDS, and at once when the server says a
 * message arrived (IDLE): each unseen message is stored, and only then flagged \Seen. A crash
 * between the two fetches it again next time, and its Message-ID stores it once. One process
 * polls at a time (a PostgreSQL advisory lock); a failing mailbox is logged and retried, never
 * fatal.
 */
export function startImapPoller(
  config: PollerConfig,
  db: Db,
  logger: Logger,
  /** Called after a message is stored: wakes this process's outbox relay for its job. */
  onStored: () => void = () => {},
): ImapPoller {
  const mailbox = config.inbound.imap;
  if (!mailbox) throw new Error('INBOUND_IMAP_URL is not set');
  const log = logger.child({ part: 'imap-poller', host: mailbox.host, mailbox: mailbox.mailbox });
  const lock = sessionLock(db.url, POLLER_LOCK, 'desk imap poller');
  const pollMs = config.inbound.imapPollSeconds * 1000;
  let state: PollerState = 'starting';
  let stopped = false;
  const sleep = wakeableSleep();
  const session = mailboxSession(mailbox, log, sleep.wake);

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        if (!(await lock.hold())) {
          if (state !== 'standby') log.info('another process polls the mailbox; standing by');
          state = 'standby';
          session.close();
          await sleep.pause(pollMs);
          continue;
        }
        const open = await session.open();
        if (state !== 'active') log.info('polling the mailbox');
        state = 'active';
        failures = 0;
        await takeUnseen(open, { config, db, log, stopped: () => stopped, onStored });
        await sleep.pause(pollMs);
      } catch (error) {
        if (stopped) break;
        failures += 1;
        state = 'failing';
        const retryMs = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), LAST_RETRY_MS);
        log.error({ err: describe(error), attempt: failures, retryMs }, 'cannot poll the mailbox');
        session.close();
        await sleep.pause(retryMs);
      }
    }
  }

  const running = run();
  return {
    get state() {
      return state;
    },
    async stop() {
      stopped = true;
      sleep.end();
      // The message in hand is finished (stored, then flagged); a hung server is not waited for.
      await Promise.race([running, new Promise((r) => setTimeout(r, 5_000).unref())]);
      session.close();
      await running;
      await lock.release();
      state = 'stopped';
    },
  };
}

/** A pause that ends early when woken (a message announced); once ended (stop), pauses end at once. */
function wakeableSleep(): { pause: (ms: number) => Promise<void>; wake: () => void; end: () => void } {
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    pause: (ms) =>
      new Promise<void>((resolve) => {
        if (ended) return resolve();
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
    wake: () => wake?.(),
    end: () => {
      ended = true;
      wake?.();
    },
  };
}

/** One IMAP connection with the mailbox selected, opened again when it was lost. */
function mailboxSession(mailbox: ImapMailbox, log: Logger, onExists: () => void) {
  let client: ImapFlow | undefined;
  const close = () => {
    client?.close();
    client = undefined;
  };
  const open = async (): Promise<ImapFlow> => {
    if (client?.usable) return client;
    close();
    const next = connectTo(mailbox, log);
    next.on('exists', onExists);
    next.on('close', () => {
      if (client === next) client = undefined;
    });
    await next.connect();
    await next.mailboxOpen(mailbox.mailbox);
    client = next;
    return next;
  };
  return { open, close };
}

function connectTo(mailbox: ImapMailbox, log: Logger): ImapFlow {
  const client = new ImapFlow({
    host: mailbox.host,
    port: mailbox.port,
    secure: mailbox.secure,
    auth: { user: mailbox.user, pass: mailbox.password },
    // imapflow's own log would carry the conversation; ours says what matters, without secrets.
    logger: false,
    connectionTimeout: 30_000,
    greetingTimeout: 15_000,
    socketTimeout: 5 * 60_000,
  });
  client.on('error', (error: Error) => log.warn({ err: describe(error) }, 'mailbox connection error'));
  return client;
}

interface Taking {
  config: PollerConfig;
  db: Db;
  log: Logger;
  stopped: () => boolean;
  onStored: () => void;
}

/** Stores every unseen message, then flags it \Seen. */
async function takeUnseen(client: ImapFlow, taking: Taking): Promise<void> {
  const uids = (await client.search({ seen: false }, { uid: true })) || [];
  for (const uid of uids) {
    if (taking.stopped()) return;
    const range = String(uid);
    const meta = await client.fetchOne(range, { uid: true, size: true }, { uid: true });
    if (!meta) continue;
    if (await takeOne(client, range, meta.size ?? 0, taking)) taking.onStored();
    await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
  }
}

/** Stores one message; one over the limit is recorded without its body. Whether it made a job. */
async function takeOne(client: ImapFlow, range: string, size: number, taking: Taking): Promise<boolean> {
  const { config, db, log } = taking;
  if (size > config.inbound.maxBytes) {
    const head = await client.fetchOne(range, { headers: true }, { uid: true });
    const header = (head && head.headers) || Buffer.alloc(0);
    const stored = await storeOversize(db, config, header, size, POLLED);
    log.warn(
      { event: 'too_large', inboundId: stored.id, size },
      'recorded a message over INBOUND_MAX_BYTES without its body',
    );
    return false;
  }
  const message = await client.fetchOne(range, { source: true }, { uid: true });
  if (!message || !message.source) return false;
  const stored = await storeInbound(db, config, message.source, POLLED);
  log.info({ event: 'stored', inboundId: stored.id, duplicate: stored.duplicate, size }, 'message received');
  return !stored.duplicate;
}

/** What a log line says of an error: imapflow's message and codes, never the credentials; a database error as logged everywhere. */
function describe(error: unknown): unknown {
  if (!(error instanceof Error)) return { message: String(error) };
  if ('severity' in error) return serializeError(error);
  const e = error as Error & { code?: unknown; authenticationFailed?: unknown; serverResponseCode?: unknown };
  return {
    type: e.name,
    message: e.message,
    code: e.code,
    authenticationFailed: e.authenticationFailed,
    serverResponseCode: e.serverResponseCode,
  };
}
