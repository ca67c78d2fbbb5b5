import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import { startImapPoller, type ImapPoller } from './imap-poller.ts';
import { startSmtpListener, type SmtpListener } from './smtp-listener.ts';

/** The ways mail reaches the desk that this process runs: each only when its setting is set. */
export interface InboundTransports {
  readonly listener: SmtpListener | undefined;
  readonly poller: ImapPoller | undefined;
  /** Stops taking mail (the message in hand is finished); before the pool closes. */
  stop(): Promise<void>;
}

/**
 * Starts the SMTP listener (INBOUND_SMTP_PORT) and the mailbox poller (INBOUND_IMAP_URL), in the
 * worker process. A port another worker process on this host already holds is not an error: that
 * process listens, and this one goes on without.
 */
export async function startInboundTransports(
  config: Config,
  db: Db,
  logger: Logger,
  /** This process's outbox relay's wake: a stored message's job leaves at once, not at the next poll. */
  onStored: () => void,
): Promise<InboundTransports> {
  let listener: SmtpListener | undefined;
  if (config.inbound.smtpPort !== undefined) {
    try {
      listener = await startSmtpListener(config, db, logger, onStored);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      logger.warn(
        { port: config.inbound.smtpPort },
        'INBOUND_SMTP_PORT is in use (another worker process on this host, or another program); this process runs no SMTP listener',
      );
    }
  }
  const poller = config.inbound.imap ? startImapPoller(config, db, logger, onStored) : undefined;
  return {
    listener,
    poller,
    async stop() {
      await Promise.all([listener?.stop(), poller?.stop()]);
    },
  };
}
