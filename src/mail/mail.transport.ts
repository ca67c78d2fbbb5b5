import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
    : fileTransport(path.join(options.dataDir, 'outbox'), options.logger);
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

function fileTransport(dir: string, logger: Logger): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    async send(message) {
      const info = await builder.sendMail(toNodemailer(message));
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${String(message.id).padStart(6, '0')}.eml`);
      // Written whole or not at all: a reader never sees half a message.
      writeFileSync(`${file}.tmp`, info.message as Buffer);
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
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
