import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Queryable } from '../../src/db/db.ts';
import { storeInbound } from '../../src/inbound/inbound.repository.ts';
import { newReplyToken, replyAddress } from '../../src/mail/reply-tokens.ts';
import { freePort } from '../../src/redis/redis-server.ts';
import type { TestDesk } from './desk.ts';
import type { ReceivedMail } from './smtp.ts';
import { waitFor } from './wait.ts';

export const INBOUND_DOMAIN = 'replies.desk.test';

/**
 * A request's email of this template as it arrived at the desk's SMTP sink (waiting until it has),
 * with the id of its row: what a customer's mail program would answer.
 */
export async function deliveredEmail(
  desk: TestDesk,
  requestId: number,
  template: string,
  timeoutMs?: number,
): Promise<{ id: string; mail: ReceivedMail }> {
  const [row] = await desk.base.db.query<{ id: string; message_uuid: string }>(
    'SELECT id, message_uuid FROM emails WHERE request_id = $1 AND template = $2',
    [requestId, template],
  );
  let mail: ReceivedMail | undefined;
  await waitFor(
    () =>
      (mail = desk.smtp.received.find((m) => m.parsed.messageId?.includes(row!.message_uuid))) !== undefined,
    timeoutMs,
    `the ${template} email delivered`,
  );
  return { id: row!.id, mail: mail! };
}

/** The settings of a desk whose SMTP listener takes INBOUND_DOMAIN's mail on a free local port. */
export async function listenerSettings(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const port = String(await freePort());
  return { INBOUND_DOMAIN, INBOUND_SMTP_PORT: port, INBOUND_SMTP_HOST: '127.0.0.1', ...extra };
}

/** A customer's reply as its raw bytes (CRLF lines), with a Message-ID of its own unless given. */
export function rawReply(options: { messageId?: string; bodyBytes?: number; to?: string } = {}): {
  raw: Buffer;
  messageId: string;
} {
  const messageId = options.messageId ?? `${randomBytes(8).toString('hex')}@customer.example`;
  const line = 'The licence key is on the back of the box, photo attached.\r\n';
  const body = options.bodyBytes ? line.repeat(Math.ceil(options.bodyBytes / line.length)) : line;
  const raw = Buffer.from(
    `From: Ada Customer <ada@customer.example>\r\n` +
      `To: ${options.to ?? `reply+abc@${INBOUND_DOMAIN}`}\r\n` +
      `Subject: Re: your recovery request\r\n` +
      `Message-ID: <${messageId}>\r\n` +
      `Date: Thu, 03 Dec 2026 07:00:00 +0000\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n` +
      `\r\n${body}`,
  );
  return { raw, messageId };
}

/** Sends raw bytes to an SMTP server with Nodemailer, as a sending mail server would. */
export async function sendRaw(
  port: number,
  raw: Buffer,
  to: string[] = [`reply+abc@${INBOUND_DOMAIN}`],
  from = 'ada@customer.example',
) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 10_000,
  });
  try {
    return await transport.sendMail({ envelope: { from, to }, raw });
  } finally {
    transport.close();
  }
}

/** What an SMTP refusal looks like to the sender: its reply code, or undefined when accepted. */
export async function smtpCodeOf(sending: Promise<unknown>): Promise<number | undefined> {
  try {
    await sending;
    return undefined;
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    if (code === undefined) throw error;
    return code;
  }
}

export interface StoredInbound {
  id: number;
  messageKey: string;
  via: string;
  status: string;
  outcome: string | null;
  size: number;
  /** `inbound-email` outbox rows naming it. */
  jobs: number;
}

/** Every message stored in inbound_messages, with its jobs. */
export async function storedInbound(db: Queryable): Promise<StoredInbound[]> {
  return db.query<StoredInbound>(
    `SELECT m.id, m.message_key AS "messageKey", m.via, m.status, m.outcome, m.size,
            (SELECT count(*)::int FROM outbox o
              WHERE o.job_name = 'inbound-email' AND (o.payload->>'inboundId')::bigint = m.id) AS jobs
       FROM inbound_messages m ORDER BY m.id`,
  );
}

/** A reply address the desk issued for the request, as its emails carry it. */
export async function replyAddressFor(db: Queryable, requestId: number): Promise<string> {
  return replyAddress(await newReplyToken(db, requestId), INBOUND_DOMAIN);
}

export interface Eml {
  from: string;
  to: string;
  subject?: string;
  text?: string;
  messageId?: string;
  /** More header lines, as written. */
  headers?: string[];
}

/** A plain-text message as a mail client writes it. */
export function eml(m: Eml): Buffer {
  const id = m.messageId ?? `<${randomBytes(8).toString('hex')}@mail.example.com>`;
  return Buffer.from(
    [
      `From: ${m.from}`,
      `To: ${m.to}`,
      `Subject: ${m.subject ?? 'Re: Your recovery request'}`,
      `Message-ID: ${id}`,
      'Date: Thu, 03 Dec 2026 07:00:00 +0000',
      'MIME-Version: 1.0',
      ...(m.headers ?? []),
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      m.text ?? 'Thanks, here is what you asked for.',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

export interface Delivered {
  id: number;
  duplicate: boolean;
  outcome: string | null;
  request_id: number | null;
}

/**
 * Stores a message as the listener or the poller does and waits until the `inbound-email` job
 * (the desk's workers) has processed it.
 */
export async function deliver(desk: TestDesk, raw: Buffer, to: string[]): Promise<Delivered> {
  const stored = await storeInbound(desk.base.db, desk.base.config, raw, { via: 'smtp', from: null, to });
  desk.web.relay.wake();
  return { ...stored, ...(await processedRow(desk, stored.id)) };
}

export async function processedRow(desk: TestDesk, id: number) {
  let row: { outcome: string | null; request_id: number | null } | undefined;
  await waitFor(
    async () => {
      [row] = await desk.base.db.query<{ outcome: string | null; request_id: number | null; status: string }>(
        `SELECT outcome, request_id::int AS request_id, status FROM inbound_messages WHERE id = $1 AND status = 'processed'`,
        [id],
      );
      return row !== undefined;
    },
    15_000,
    `inbound message ${id} processed`,
  );
  return { outcome: row!.outcome, request_id: row!.request_id };
}
