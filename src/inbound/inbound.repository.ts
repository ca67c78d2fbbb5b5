import { createHash } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import { enqueueInTransaction } from '../outbox/outbox.relay.ts';
import { inboundRawContext } from '../purchases/file-cipher.ts';
import { fileCipherOf } from '../requests/attachment-store.ts';

/** How a message reached the desk: the SMTP listener, or polling a mailbox. */
export type InboundVia = 'smtp' | 'imap';

export interface InboundEnvelope {
  via: InboundVia;
  /** The SMTP MAIL FROM (null for a bounce's empty sender, or unknown when polled). */
  from: string | null;
  /** The SMTP RCPT TO addresses (when polled, the addresses the message was delivered to, if known). */
  to: string[];
}

/**
 * The key that makes the same message stored once: its Message-ID without angle brackets, or, for
 * a message without one, "sha256:" and the hash of its bytes.
 */
export function messageKeyOf(raw: Buffer): string {
  const head = raw.subarray(0, headerEnd(raw)).toString('latin1');
  // Header lines may be folded: a Message-ID may continue on the next line after whitespace.
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const id = /^message-id:\s*<?([^\s<>]{1,900})>?/im.exec(unfolded)?.[1];
  return id ? id : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : raw.length;
}

/**
 * Stores a received message, sealed, and its `inbound-email` job, in one transaction: once this
 * resolves the message cannot be lost, so only then may the listener answer 250 or the poller mark
 * it seen. The same message again (its message key) stores nothing: `duplicate: true`.
 */
export async function storeInbound(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  config: Pick<Config, 'secretKey' | 'secretKeyPrevious'>,
  raw: Buffer,
  envelope: InboundEnvelope,
): Promise<{ id: number; duplicate: boolean }> {
  const key = messageKeyOf(raw);
  const cipher = fileCipherOf(config);
  const sealed = cipher.encrypt(raw, inboundRawContext(key));
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO inbound_messages (message_key, via, envelope_from, envelope_to, size, raw_key_id, raw_enc)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (message_key) DO NOTHING RETURNING id`,
      [key, envelope.via, envelope.from, envelope.to, raw.length, cipher.keyId, sealed],
    );
    if (!row) {
      const [existing] = await tx.query<{ id: string }>(
        'SELECT id FROM inbound_messages WHERE message_key = $1',
        [key],
      );
      return { id: Number(existing!.id), duplicate: true };
    }
    const id = Number(row.id);
    await enqueueInTransaction(tx, 'inbound-email', { inboundId: id });
    return { id, duplicate: false };
  });
}

/**
 * Records a message too large to take (polled from a mailbox, where it cannot be refused): only
 * its header bytes are kept, sealed as its raw message, with its full size, already processed with
 * outcome `oversize` and no job. The same message again stores nothing: `duplicate: true`.
 */
export async function storeOversize(
  db: Queryable,
  config: Pick<Config, 'secretKey' | 'secretKeyPrevious'>,
  header: Buffer,
  size: number,
  envelope: InboundEnvelope,
): Promise<{ id: number | undefined; duplicate: boolean }> {
  const key = messageKeyOf(header);
  const cipher = fileCipherOf(config);
  const sealed = cipher.encrypt(header, inboundRawContext(key));
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO inbound_messages (message_key, via, envelope_from, envelope_to, size, raw_key_id, raw_enc,
                                   status, outcome, processed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'processed', 'oversize', now())
     ON CONFLICT (message_key) DO NOTHING RETURNING id`,
    [key, envelope.via, envelope.from, envelope.to, size, cipher.keyId, sealed],
  );
  return { id: row ? Number(row.id) : undefined, duplicate: !row };
}

/** A stored message's raw bytes, opened. */
export async function readInboundRaw(
  db: Queryable,
  config: Pick<Config, 'secretKey' | 'secretKeyPrevious'>,
  id: number,
): Promise<Buffer | undefined> {
  const [row] = await db.query<{ message_key: string; raw_key_id: string; raw_enc: Buffer }>(
    'SELECT message_key, raw_key_id, raw_enc FROM inbound_messages WHERE id = $1',
    [id],
  );
  if (!row) return undefined;
  return fileCipherOf(config).decrypt(row.raw_key_id, row.raw_enc, inboundRawContext(row.message_key));
}

/** A stored message's state and envelope, as processing reads it before its transaction. */
export interface InboundState {
  id: number;
  status: 'received' | 'processed';
  size: number;
  envelope_from: string | null;
  envelope_to: string[];
}

export async function findInboundState(db: Queryable, id: number): Promise<InboundState | undefined> {
  const [row] = await db.query<InboundState>(
    'SELECT id, status, size, envelope_from, envelope_to FROM inbound_messages WHERE id = $1',
    [id],
  );
  return row;
}

/**
 * Locks a message still `received` for the rest of the transaction; false when it is processed
 * (or being processed: a second job waits here, then finds it processed).
 */
export async function lockReceivedInbound(tx: Queryable, id: number): Promise<boolean> {
  const rows = await tx.query(
    `SELECT id FROM inbound_messages WHERE id = $1 AND status = 'received' FOR UPDATE`,
    [id],
  );
  return rows.length > 0;
}

export async function markInboundProcessed(
  tx: Queryable,
  id: number,
  done: {
    outcome: string;
    requestId: number | null;
    emailId: number | null;
    from: string | null;
    subject: string | null;
  },
): Promise<void> {
  await tx.query(
    `UPDATE inbound_messages
        SET status = 'processed', processed_at = now(), outcome = $2, request_id = $3, email_id = $4,
            from_address = $5, subject = $6
      WHERE id = $1`,
    [
      id,
      done.outcome,
      done.requestId,
      done.emailId,
      done.from?.slice(0, 320) ?? null,
      done.subject?.slice(0, 500) ?? null,
    ],
  );
}

/** One of our emails by its Message-ID's local part (emails.message_uuid). */
export async function findOurEmail(
  db: Queryable,
  messageUuid: string,
): Promise<{ id: number; request_id: number | null; template: string; to_address: string } | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(messageUuid)) return undefined;
  const [row] = await db.query<{
    id: string;
    request_id: string | null;
    template: string;
    to_address: string;
  }>('SELECT id, request_id, template, to_address FROM emails WHERE message_uuid = $1', [messageUuid]);
  return (
    row && { ...row, id: Number(row.id), request_id: row.request_id === null ? null : Number(row.request_id) }
  );
}

export async function markEmailBounced(tx: Queryable, emailId: number): Promise<void> {
  await tx.query(`UPDATE emails SET status = 'bounced' WHERE id = $1`, [emailId]);
}

/** A stored message as the console lists it. */
export interface InboundRow {
  id: number;
  received_at: Date;
  from_address: string | null;
  envelope_from: string | null;
  subject: string | null;
  outcome: string | null;
  status: string;
  size: number;
  via: string;
}

const INBOUND_ROW = `SELECT id, received_at, from_address, envelope_from, subject, outcome, status, size, via
  FROM inbound_messages`;

/** Messages that were not threaded (or wait to be processed), newest first. */
export async function listNotThreaded(
  db: Queryable,
  outcomes: readonly string[],
  limit: number,
): Promise<InboundRow[]> {
  return db.query<InboundRow>(
    `${INBOUND_ROW} WHERE outcome = ANY($1::text[]) OR status = 'received' ORDER BY received_at DESC, id DESC LIMIT $2`,
    [outcomes, limit],
  );
}

export async function countByOutcome(db: Queryable): Promise<{ outcome: string | null; n: number }[]> {
  return db.query<{ outcome: string | null; n: number }>(
    'SELECT outcome, count(*)::int AS n FROM inbound_messages GROUP BY outcome',
  );
}

/** One message of a request (threaded into it, or a bounce of one of its emails). */
export async function findRequestInbound(
  db: Queryable,
  requestId: number,
  id: number,
): Promise<InboundRow | undefined> {
  const [row] = await db.query<InboundRow>(`${INBOUND_ROW} WHERE id = $1 AND request_id = $2`, [
    id,
    requestId,
  ]);
  return row;
}

/** The id of the request a reference names, for the console's views of its messages. */
export async function requestIdOf(db: Queryable, reference: string): Promise<number | undefined> {
  const [row] = await db.query<{ id: string }>('SELECT id FROM recovery_requests WHERE reference = $1', [
    reference,
  ]);
  return row ? Number(row.id) : undefined;
}
