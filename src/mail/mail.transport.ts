import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer, { type SendMailOptions, type TransportOptions } from 'nodemailer';
import type { Logger } from '../logger.ts';

export interface OutgoingMessage {
  id: number;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  /** The Message-ID of the request's first email (In-Reply-To, References); none on that first one. */
  threadOf?: string;
  /** `reply+<token>@INBOUND_DOMAIN`: the Reply-To, and the envelope sender, so bounces come back to it. */
  replyTo?: string;
  /** More headers (Auto-Submitted on automatic mail). */
  headers: Readonly<Record<string, string>>;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

/** SMTP (pooled) when SMTP_URL is set; otherwise each message becomes an .eml file under DATA_DIR/outbox. */
export function createMailTransport(options: {
  smtpUrl?: string;
  dataDir: string;
  logger: Logger;
}): MailTransport {
  return options.smtpUrl
    ? smtpTransport(options.smtpUrl)
    : fileTransport(outboxDir(options.dataDir), options.logger);
}

function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as TransportOptions);
  return {
    kind: 'smtp',
    async send(message) {
      await transporter.sendMail(toNodemailer(message));
    },
    close: () => transporter.close(),
  };
}

/** The outbox file of an email: its id, so purge can find it again. */
export function outboxFileName(emailId: number): string {
  return `${String(emailId).padStart(6, '0')}.eml`;
}

export const outboxDir = (dataDir: string) => path.join(dataDir, 'outbox');

// The files hold what was sent, activation codes and status links included: the desk's user alone
// reads them, whatever the umask.
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

function fileTransport(dir: string, logger: Logger): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    async send(message) {
      const info = await builder.sendMail(toNodemailer(message));
      mkdirSync(dir, { recursive: true, mode: DIR_MODE });
      chmodSync(dir, DIR_MODE); // a folder made by an older desk, or by hand, is closed too
      const file = path.join(dir, outboxFileName(message.id));
      // Written whole or not at all: a reader never sees half a message. The mode is the temporary
      // file's from its creation (flag 'w' on an old leftover keeps that file's mode: chmod it).
      writeFileSync(`${file}.tmp`, info.message as Buffer, { mode: FILE_MODE });
      chmodSync(`${file}.tmp`, FILE_MODE);
      renameSync(`${file}.tmp`, file);
      logger.info(
        { file, to: message.to, subject: message.subject },
        'email written to the outbox folder (SMTP_URL is not set)',
      );
    },
    close: () => builder.close(),
  };
}

function toNodemailer(message: OutgoingMessage): SendMailOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    messageId: message.messageId,
    ...(message.threadOf && { inReplyTo: message.threadOf, references: message.threadOf }),
    // The header From stays MAIL_FROM; the envelope's (MAIL FROM, where delivery reports go) is the
    // reply address, so a bounce reaches the desk's listener and names the request.
    ...(message.replyTo && {
      replyTo: message.replyTo,
      envelope: { from: message.replyTo, to: message.to },
    }),
    headers: { ...message.headers },
  };
}
