import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db.ts';

/** The local part's prefix of a reply address: `reply+<token>@INBOUND_DOMAIN`. */
export const REPLY_PREFIX = 'reply+';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A new reply token and the hash it is stored as: 26 characters of lowercase base32 (130 random
 * bits), because mail systems may change the case of an address's local part and may not keep
 * anything but letters, digits, `+` and `-`. For a statement that stores it itself (intake's).
 */
export function drawReplyToken(): { token: string; hash: string } {
  let token = '';
  for (const byte of randomBytes(26)) token += ALPHABET[byte & 31];
  return { token, hash: hashReplyToken(token) };
}

/** A new reply token for one email about the request, stored only as its hash. */
export async function newReplyToken(tx: Queryable, requestId: number): Promise<string> {
  const { token, hash } = drawReplyToken();
  await tx.query('INSERT INTO reply_tokens (token_hash, request_id) VALUES ($1, $2)', [hash, requestId]);
  return token;
}

/**
 * The INSERT of a drawn token's hash (parameter `hashParam`, e.g. `$7`) for the request a CTE named
 * `from` returns, as a CTE body; it inserts nothing when the parameter is null (no INBOUND_DOMAIN).
 */
export function insertReplyTokenFrom(from: string, hashParam: string): string {
  return `INSERT INTO reply_tokens (token_hash, request_id)
          SELECT ${hashParam}::text, id FROM ${from} WHERE ${hashParam}::text IS NOT NULL`;
}

/** The reply address for a token. */
export function replyAddress(token: string, domain: string): string {
  return `${REPLY_PREFIX}${token}@${domain}`;
}

/**
 * The request a recipient address names, when it is `reply+<token>@<domain>` (any case) with a
 * token the desk issued; undefined otherwise.
 */
export async function requestOfReplyAddress(
  db: Queryable,
  address: string,
  domain: string,
): Promise<number | undefined> {
  const match = /^reply\+([a-z2-7]{26})@(.+)$/.exec(address.trim().toLowerCase());
  if (!match || match[2] !== domain.toLowerCase()) return undefined;
  const [row] = await db.query<{ request_id: string }>(
    'SELECT request_id FROM reply_tokens WHERE token_hash = $1',
    [hashReplyToken(match[1]!)],
  );
  return row ? Number(row.request_id) : undefined;
}

// The same SHA-256 as status tokens (requests/reference.ts hashToken), written here because the
// mail folder may not import requests, which imports it.
function hashReplyToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
