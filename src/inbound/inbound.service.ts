import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import type { Relay } from '../outbox/outbox.relay.ts';

/** What processing an inbound message needs (a worker's deps have all of it). */
export interface InboundDeps {
  db: Db;
  config: Config;
  logger: Logger;
  relay: Relay;
}

/**
 * Processes one stored inbound message, once: NOT BUILT YET (issue 16, in progress): the
 * threading rules of README "Email replies" land here. Until then a stored message stays
 * `received`, kept, and is processed when this is built.
 */
export function processInbound(deps: InboundDeps, inboundId: number): Promise<string> {
  deps.logger.warn({ inboundId }, 'inbound email kept unprocessed: threading is not built yet');
  return Promise.resolve('kept');
}
