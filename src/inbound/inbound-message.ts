import { htmlReplyText } from './html-text.ts';
import PostalMime, { type Address, type Attachment, type Email } from 'postal-mime';

/** A received message as the threading rules read it (postal-mime does the MIME). */
export interface InboundMessage {
  /** The Message-ID without angle brackets. */
  messageId: string | null;
  /** The From address, lowercased. */
  from: string | null;
  subject: string;
  /** To, Cc and Delivered-To addresses, lowercased. */
  headerRecipients: string[];
  /** Header values by lowercased name. */
  headers: Map<string, string[]>;
  /** The plain text, or the HTML's text (its quote cut off) when there is none. */
  text: string;
  /** An HTML-only reply whose quoted history was cut off with its markup. */
  htmlQuoteCut: boolean;
  attachments: Attachment[];
  /** A delivery status notification, standard or in one of the common older forms. */
  isReport: boolean;
}

/**
 * Parses a raw message; null when it cannot be read as one. message/rfc822 parts stay attachments
 * (never merged into the text): a bounce's original is read from there.
 */
export async function parseInbound(raw: Buffer): Promise<InboundMessage | null> {
  let email: Email;
  try {
    email = await PostalMime.parse(raw, { forceRfc822Attachments: true, attachmentEncoding: 'arraybuffer' });
  } catch {
    return null;
  }
  const headers = new Map<string, string[]>();
  for (const h of email.headers) headers.set(h.key, [...(headers.get(h.key) ?? []), h.value]);
  if (headers.size === 0) return null;
  const from = mailboxes(email.from ? [email.from] : [])[0] ?? null;
  const contentType = headers.get('content-type')?.[0] ?? '';
  const message: InboundMessage = {
    messageId: email.messageId ? bare(email.messageId) : null,
    from,
    subject: email.subject ?? '',
    headerRecipients: [
      ...mailboxes(email.to ?? []),
      ...mailboxes(email.cc ?? []),
      ...(headers.get('delivered-to') ?? []).map((a) => bare(a).toLowerCase()),
    ],
    headers,
    ...textOf(email),
    attachments: email.attachments,
    isReport: false,
  };
  message.isReport = isDeliveryReport(message, contentType);
  return message;
}

function textOf(email: Email): { text: string; htmlQuoteCut: boolean } {
  if (email.text?.trim() || !email.html) return { text: email.text ?? '', htmlQuoteCut: false };
  const { text, quoteCut } = htmlReplyText(email.html);
  return { text, htmlQuoteCut: quoteCut };
}

const bare = (id: string) => id.trim().replace(/^<|>$/g, '');

function mailboxes(addresses: Address[]): string[] {
  return addresses
    .flatMap((a) => (a.group ? a.group : [a]))
    .map((m) => m.address?.trim().toLowerCase() ?? '')
    .filter((a) => a.includes('@'));
}

const ORIGINAL_PARTS = ['message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers'];

/**
 * `multipart/report; report-type=delivery-status` (RFC 3464), or what older mailers send instead: a
 * message from MAILER-DAEMON or postmaster with the original message (or its headers) attached.
 */
function isDeliveryReport(message: InboundMessage, contentType: string): boolean {
  if (/multipart\/report/i.test(contentType) && /report-type\s*=\s*"?delivery-status/i.test(contentType))
    return true;
  const daemon = /^(mailer-daemon|postmaster)@/.test(message.from ?? '');
  return daemon && message.attachments.some((a) => ORIGINAL_PARTS.includes(a.mimeType.toLowerCase()));
}

/** The Message-ID of the original message a delivery report returns, read from its attached copy. */
export function reportedMessageId(message: InboundMessage): string | null {
  for (const part of message.attachments) {
    if (!ORIGINAL_PARTS.includes(part.mimeType.toLowerCase())) continue;
    const head = partText(part.content)
      .split(/\r?\n\r?\n/)[0]!
      .replace(/\r?\n[ \t]+/g, ' ');
    const id = /^message-id:\s*<([^\s<>]{1,900})>/im.exec(head)?.[1];
    if (id) return id;
  }
  return null;
}

/**
 * Whether a delivery report says delivery failed: a `message/delivery-status` part with an
 * `Action: failed` (a `delayed` report is not a bounce: the mail may still arrive); the older
 * forms without that part are failures.
 */
export function reportsFailure(message: InboundMessage): boolean {
  const status = message.attachments.find((a) => a.mimeType.toLowerCase() === 'message/delivery-status');
  if (!status) return true;
  return /^action:\s*failed/im.test(partText(status.content));
}

function partText(content: Attachment['content']): string {
  return typeof content === 'string' ? content : Buffer.from(content as ArrayBuffer).toString('latin1');
}

/**
 * An auto-responder's message: `Auto-Submitted` other than `no` (RFC 3834), `X-Autoreply`,
 * `X-Autorespond`, or `Precedence: bulk|junk|list`. Threading it could answer it, and an
 * out-of-office reply to our answer would start a conversation of machines.
 */
export function isAutoReply(message: InboundMessage): boolean {
  const first = (name: string) => message.headers.get(name)?.[0]?.trim().toLowerCase();
  const submitted = first('auto-submitted');
  if (submitted && submitted !== 'no') return true;
  if (message.headers.has('x-autoreply') || message.headers.has('x-autorespond')) return true;
  return /^(bulk|junk|list)$/.test(first('precedence') ?? '');
}

/** The address of a From-style header value (`Name <a@b>` or `a@b`), lowercased. */
export function addressOf(value: string): string {
  const inAngles = /<([^<>]+)>\s*$/.exec(value)?.[1];
  return (inAngles ?? value).trim().toLowerCase();
}
