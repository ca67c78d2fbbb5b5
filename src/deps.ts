import type { Redis } from 'ioredis';
import type { SignInLimits } from './limits/sign-in-limits.ts';
import type { Config } from './config.ts';
import type { Db } from './db/db.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Relay } from './outbox/outbox.relay.ts';
import type { Presence } from './presence/presence.ts';
import type { Queues } from './queues.ts';
import type { IntakeLimits } from './limits/intake-limits.ts';
import type { StatusTokenLimits } from './limits/status-token-limits.ts';
import type { CodeLookupLimits } from './limits/code-lookup-limits.ts';
import type { Templates } from './templates.ts';

/** What the web side's services need, built once by the entry point and passed down. */
export interface WebDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** A Redis client that fails fast while Redis is down (limits, readiness). */
  redis: Redis;
  queues: Queues;
  relay: Relay;
  templates: Templates;
  intakeLimits: IntakeLimits;
  /** Failed console sign-ins per account and per client address. */
  signInLimits: SignInLimits;
  /** Wrong status tokens per client address and per reference (the customer's status page and API). */
  statusTokenLimits: StatusTokenLimits;
  /** "Email me my codes": lookups per client address per hour and per mailbox per day. */
  codeLookupLimits: CodeLookupLimits;
  metrics: Metrics;
  /** Who has which request open in the console, and who is typing (Redis, expiring in 30 s). */
  presence: Presence;
}
