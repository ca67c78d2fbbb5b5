import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import { insertEvent } from '../history/history.repository.ts';
import { maskActivationCodes } from '../identifiers/identifiers.ts';
import type { Logger } from '../logger.ts';
import type { Relay } from '../outbox/outbox.relay.ts';
import { whenWriterFree } from '../requests/attachment-store.ts';
import { threadCustomerWords } from '../requests/customer-words.ts';
import { CUSTOMER_REPLY_KINDS } from '../requests/status-page.ts';
import { checkEmailFiles, type EmailFiles } from './inbound-attachments.ts';
import { parseInbound, type InboundMessage } from './inbound-message.ts';
import type { InboundOutcome } from './inbound-outcomes.ts';
import { verdictOf, type OurEmail, type Verdict } from './inbound-verdict.ts';
import {
  findInboundState,
  lockReceivedInbound,
  markEmailBounced,
  markInboundProcessed,
  readInboundRaw,
} from './inbound.repository.ts';
import { replyText } from './reply-text.ts';

/** What processing an inbound message needs (a worker's deps have all of it). */
export interface InboundDeps {
  db: Db;
  config: Config;
  logger: Logger;
  relay: Relay;
}

/** The job's result: what came of the message, or that another run had already processed it. */
export type Processed = InboundOutcome | 'already_processed' | 'missing';

/**
 * Processes one stored inbound message, once (README "Email replies", threading): read and parse
 * it, apply the rules (inbound-verdict.ts), take the new text and check the files, then in ONE
 * transaction lock the message while it is still `received`, thread it (the status page's own
 * transaction body, customer-words.ts) or mark the bounced email, and mark the message processed
 * with its outcome. A duplicate job, a retry or a run beside another finds it processed and does
 * nothing; a crash before the commit leaves it `received` for the retry.
 */
export async function processInbound(deps: InboundDeps, inboundId: number): Promise<Processed> {
  const state = await findInboundState(deps.db, inboundId);
  if (!state) return 'missing';
  if (state.status !== 'received') return 'already_processed';
  const raw =
    state.size > deps.config.inbound.maxBytes ? null : await readInboundRaw(deps.db, deps.config, inboundId);
  const message = raw ? await parseInbound(raw) : null;
  if (!message) {
    const outcome = raw ? 'unparseable' : 'oversize';
    return record(deps, inboundId, null, (tx) => done(tx, inboundId, outcome, null));
  }
  const verdict = await verdictOf(deps.db, deps.config, state, message);
  const files =
    verdict.kind === 'thread' ? await checkEmailFiles(deps.config.dataDir, message.attachments) : null;
  try {
    return await record(deps, inboundId, files, (tx) => act(deps, tx, inboundId, verdict, message, files));
  } finally {
    files?.remove();
  }
}

type Act = (tx: Queryable) => Promise<InboundOutcome>;

/** Runs `act` in a transaction holding the message's lock, unless it is processed already. */
async function record(
  deps: InboundDeps,
  inboundId: number,
  files: EmailFiles | null,
  act: Act,
): Promise<Processed> {
  const work = (tx: Queryable) =>
    lockReceivedInbound(tx, inboundId).then((locked) => (locked ? act(tx) : ('already_processed' as const)));
  const outcome = await (files?.checked.length
    ? whenWriterFree(() => deps.db.transaction(work))
    : deps.db.transaction(work));
  deps.relay.wake();
  deps.logger.info({ inboundId, outcome }, 'inbound email processed');
  return outcome;
}

async function act(
  deps: InboundDeps,
  tx: Queryable,
  inboundId: number,
  verdict: Verdict,
  message: InboundMessage,
  files: EmailFiles | null,
): Promise<InboundOutcome> {
  switch (verdict.kind) {
    case 'not_threaded':
      return done(tx, inboundId, verdict.outcome, message);
    case 'bounce':
      if (verdict.email && verdict.failed) await recordBounce(tx, inboundId, verdict.email, message);
      return done(
        tx,
        inboundId,
        'bounce',
        message,
        verdict.email?.request_id ?? null,
        verdict.email?.id ?? null,
      );
    case 'thread': {
      const words = {
        message: replyText(message.text).text,
        attachments: files?.checked ?? [],
        email: { from: message.from, inboundId, refused: files?.refused ?? [] },
      };
      const threaded = await threadCustomerWords(tx, deps, verdict.requestId, words, CUSTOMER_REPLY_KINDS);
      return done(tx, inboundId, threaded.kind, message, threaded.requestId);
    }
  }
}

async function done(
  tx: Queryable,
  inboundId: number,
  outcome: InboundOutcome,
  message: InboundMessage | null,
  requestId: number | null = null,
  emailId: number | null = null,
): Promise<InboundOutcome> {
  await markInboundProcessed(tx, inboundId, {
    outcome,
    requestId,
    emailId,
    from: message?.from ?? null,
    // A customer may write the code in the subject: kept masked, as the text is.
    subject: message?.subject === undefined ? null : maskActivationCodes(message.subject),
  });
  return outcome;
}

/** The email is marked bounced, and the request's history says so (from whom the report came). */
async function recordBounce(
  tx: Queryable,
  inboundId: number,
  email: OurEmail,
  report: InboundMessage,
): Promise<void> {
  await markEmailBounced(tx, email.id);
  if (email.request_id === null) return;
  await insertEvent(tx, {
    requestId: email.request_id,
    actor: 'mail',
    type: 'email_bounced',
    data: {
      email_id: email.id,
      template: email.template,
      to: email.to_address,
      via: 'email',
      from: report.from,
      inbound_id: inboundId,
    },
  });
}
