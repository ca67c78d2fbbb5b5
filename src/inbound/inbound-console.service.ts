import type { AuditActor } from '../audit/audit.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { maskRawMessage } from './raw-masking.ts';
import { normaliseReference } from '../requests/reference.ts';
import {
  INBOUND_OUTCOME_TEXT,
  INBOUND_OUTCOMES,
  NOT_THREADED_OUTCOMES,
  type InboundOutcome,
} from './inbound-outcomes.ts';
import {
  countByOutcome,
  findRequestInbound,
  listNotThreaded,
  readInboundRaw,
  requestIdOf,
  type InboundRow,
} from './inbound.repository.ts';

/** The most of a raw message the console shows (attachments make messages long). */
export const RAW_SHOWN_BYTES = 256 * 1024;

export interface RawMessage {
  row: InboundRow;
  reference: string;
  /** The message as received, activation codes masked (encoded ones too), cut at RAW_SHOWN_BYTES. */
  text: string;
  cut: boolean;
}

/**
 * A message of a request as it was received, for a technician: a customer may paste a code, so
 * codes are masked and the viewing is audited (who, which message, from where), as secrets are.
 */
export async function rawMessageOfRequest(
  deps: { db: Db; config: Pick<Config, 'secretKey' | 'secretKeyPrevious'> },
  viewer: { actor: AuditActor; address: string | null },
  referenceInput: string,
  id: number,
): Promise<RawMessage> {
  const reference = normaliseReference(referenceInput);
  const requestId = reference ? await requestIdOf(deps.db, reference) : undefined;
  const row = requestId === undefined ? undefined : await findRequestInbound(deps.db, requestId, id);
  const raw = row && (await readInboundRaw(deps.db, deps.config, id));
  if (!row || !raw || !reference) throw new NotFoundError('No message has this id on this request.');
  await recordAudit(deps.db, {
    ...viewer,
    action: 'inbound_raw_viewed',
    subject: `email message ${id} of ${reference}`,
  });
  const cut = raw.length > RAW_SHOWN_BYTES;
  return {
    row,
    reference,
    text: maskRawMessage(raw.subarray(0, RAW_SHOWN_BYTES).toString('utf8')),
    cut,
  };
}

export interface InboundOverview {
  counts: { outcome: InboundOutcome | 'waiting'; text: string; n: number }[];
  rows: (InboundRow & { outcomeText: string })[];
}

/** The admin page: how many messages came to what, and the newest not threaded (or not yet processed). */
export async function notThreadedOverview(db: Db, limit = 100): Promise<InboundOverview> {
  const [counted, rows] = await Promise.all([
    countByOutcome(db),
    listNotThreaded(db, NOT_THREADED_OUTCOMES, limit),
  ]);
  const n = (outcome: string | null) => counted.find((c) => c.outcome === outcome)?.n ?? 0;
  return {
    counts: [
      ...INBOUND_OUTCOMES.map((outcome) => ({ outcome, text: INBOUND_OUTCOME_TEXT[outcome], n: n(outcome) })),
      { outcome: 'waiting' as const, text: 'waiting to be processed', n: n(null) },
    ],
    rows: rows.map((r) => ({
      ...r,
      outcomeText: r.outcome ? outcomeText(r.outcome) : 'waiting to be processed',
    })),
  };
}

function outcomeText(outcome: string): string {
  return (INBOUND_OUTCOME_TEXT as Record<string, string | undefined>)[outcome] ?? outcome;
}
