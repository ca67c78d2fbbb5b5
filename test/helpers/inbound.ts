import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Queryable } from '../../src/db/db.ts';
import { freePort } from '../../src/redis/redis-server.ts';

export const INBOUND_DOMAIN = 'replies.desk.test';

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
