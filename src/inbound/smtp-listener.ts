import type { AddressInfo } from 'node:net';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import { storeInbound } from './inbound.repository.ts';

/**
 * Connections served at once. A desk's replies arrive a few at a time; the limit keeps a flood
 * from holding a database connection per socket (each message is stored in one transaction).
 */
export const MAX_SMTP_CLIENTS = 32;

export interface SmtpListener {
  /** The port it listens on (the setting's, or the one the system chose for port 0). */
  readonly port: number;
  stop(): Promise<void>;
}

type Callback = (error?: Error | null) => void;

/** An SMTP refusal: the code smtp-server answers with. */
function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * The desk's own SMTP listener, a mail exchanger for INBOUND_DOMAIN (or the target of a provider's
 * forwarding): no AUTH and no STARTTLS (TLS, when wanted, ends at the provider or a proxy in
 * front), recipients of INBOUND_DOMAIN only, messages up to INBOUND_MAX_BYTES. It answers 250
 * only once the message is stored, so that a message it accepted cannot be lost.
 */
export async function startSmtpListener(
  config: Pick<Config, 'secretKey' | 'secretKeyPrevious' | 'inbound'>,
  db: Db,
  logger: Logger,
  /** Called after a message is stored: wakes this process's outbox relay for its job. */
  onStored: () => void = () => {},
): Promise<SmtpListener> {
  const { domain, smtpPort, smtpHost, maxBytes } = config.inbound;
  if (smtpPort === undefined || domain === undefined) throw new Error('INBOUND_SMTP_PORT is not set');
  const log = logger.child({ part: 'smtp-listener' });
  const server = new SMTPServer({
    name: domain,
    banner: 'Recovery Desk',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxBytes,
    maxClients: MAX_SMTP_CLIENTS,
    disableReverseLookup: true,
    // SIGTERM waits this long for the conversations in hand before dropping them.
    closeTimeout: 10_000,
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: Callback) {
      if (isOurs(address.address, domain)) return callback();
      log.info({ event: 'rcpt_refused' }, 'refused a recipient of another domain');
      callback(refusal(550, `5.1.1 This server only takes mail for ${domain}`));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: Callback) {
      void receive(stream, maxBytes).then((raw) => {
        if (!raw) {
          log.info({ event: 'too_large', limit: maxBytes }, 'refused a message over INBOUND_MAX_BYTES');
          return callback(refusal(552, `5.3.4 Message larger than ${maxBytes} bytes`));
        }
        const envelope = {
          via: 'smtp' as const,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address || null : null,
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        storeInbound(db, config, raw, envelope).then(
          ({ id, duplicate }) => {
            log.info({ event: 'stored', inboundId: id, duplicate, size: raw.length }, 'message received');
            if (!duplicate) onStored();
            callback();
          },
          (error: unknown) => {
            // Temporary: the sending server keeps the message and tries again later.
            log.warn({ err: error, event: 'store_failed' }, 'could not store a message; answered 451');
            callback(refusal(451, '4.3.0 Cannot store the message now, try again later'));
          },
        );
      }, callback);
    },
  });
  server.on('error', (error) => log.warn({ err: error }, 'SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(smtpPort, smtpHost, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ host: smtpHost, port, domain }, 'SMTP listener started');
  return {
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether an address is at INBOUND_DOMAIN: any local part, the domain in any case. */
function isOurs(address: string, domain: string): boolean {
  const at = address.lastIndexOf('@');
  return at > 0 && address.slice(at + 1).toLowerCase() === domain;
}

/**
 * The message's bytes, or undefined when it is over the limit: reading goes on to the end (the
 * protocol needs it) but nothing past the limit is kept.
 */
function receive(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    stream.once('error', reject);
    stream.once('end', () =>
      resolve(stream.sizeExceeded || size > maxBytes ? undefined : Buffer.concat(chunks, size)),
    );
  });
}
