import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../src/db/db.ts';
import { storeInbound } from '../../src/inbound/inbound.repository.ts';
import { newReplyToken, replyAddress } from '../../src/inbound/reply-tokens.ts';
import type { TestDesk } from './desk.ts';
import { waitFor } from './wait.ts';

export const INBOUND_DOMAIN = 'replies.desk.test';

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
