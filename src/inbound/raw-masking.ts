import { maskActivationCodes } from '../identifiers/identifiers.ts';

/**
 * A raw message for a technician's eyes: activation codes masked where they are written in clear,
 * and also where the sender's mail program encoded them, which plain masking cannot see. A part
 * sent as base64 (Russian and German text often is) or a header written as a base64 encoded-word
 * (`=?utf-8?B?…?=`) is decoded, and when the decoded text holds a code the encoded block is
 * replaced by a notice. Quoted-printable leaves codes readable (letters, digits and hyphens are
 * never encoded), so plain masking covers it, soft line breaks aside.
 */
export function maskRawMessage(raw: string): string {
  return maskActivationCodes(raw.replace(BASE64_LINES, hideIfCode).replace(ENCODED_WORD, hideWordIfCode));
}

/** A run of two or more base64 body lines (76 characters each, the last maybe shorter). */
const BASE64_LINES =
  /(?:^[A-Za-z0-9+/]{16,}={0,2}\r?\n){2,}|(?:^[A-Za-z0-9+/]{16,}={0,2}\r?\n)(?=\r?\n|--|$)/gm;
const ENCODED_WORD = /=\?[^?\s]+\?[bB]\?([A-Za-z0-9+/]+={0,2})\?=/g;

const holdsCode = (text: string) => maskActivationCodes(text) !== text;

function decoded(base64: string): string {
  return Buffer.from(base64.replace(/\s+/g, ''), 'base64').toString('utf8');
}

function hideIfCode(block: string): string {
  if (!holdsCode(decoded(block))) return block;
  const eol = block.includes('\r\n') ? '\r\n' : '\n';
  return `[a base64-encoded part that holds an activation code: hidden here, masked in the conversation]${eol}`;
}

function hideWordIfCode(word: string, base64: string): string {
  return holdsCode(decoded(base64)) ? '[an encoded header text that holds an activation code: hidden]' : word;
}
