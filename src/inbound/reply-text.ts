import EmailReplyParser from 'email-reply-parser';
import { maskActivationCodes } from '../identifiers/identifiers.ts';
import { unifyLineBreaks } from '../identifiers/plain-text.ts';
import { MAX_DETAILS } from '../requests/requests.schema.ts';
import { cutAtQuoteHeader } from './quote-headers.ts';

// Control characters the form refuses (plain-text.ts): from email they are dropped, not refused,
// since the sender cannot be asked to type again.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export interface ReplyText {
  /** The new text, plain, codes masked, at most MAX_DETAILS characters. */
  text: string;
  /** Whether the text was longer than MAX_DETAILS and its first part kept. */
  truncated: boolean;
}

/**
 * The new text of a reply: quoted history and signatures removed, activation codes masked as the
 * form masks them, the form's text rules. A longer text keeps its first MAX_DETAILS characters
 * (the new text comes first; the raw message keeps the rest for a technician).
 */
export function replyText(body: string): ReplyText {
  const all = unifyLineBreaks(body)
    .replace(CONTROL, '')
    .replace(/\u00a0/g, ' ');
  const cut = cutAtQuoteHeader(all);
  const visible = new EmailReplyParser().read(cut).getVisibleText().trim();
  // A message that is all quote (a bare forward) keeps what it has rather than nothing.
  const kept = visible || cut.trim() || all.trim();
  const masked = maskActivationCodes(kept);
  const truncated = masked.length > MAX_DETAILS;
  return {
    text: truncated ? `${masked.slice(0, MAX_DETAILS - 1)}…` : masked,
    truncated,
  };
}
