import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import { hashToken } from '../requests/reference.ts';

/** The local part's prefix of a reply address: `reply+<token>@INBOUND_DOMAIN`. */
export const REPLY_PREFIX = 'reply+';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A new reply token for one email to the requester, stored only as its hash: 26 characters of
 * lowercase base32 (130 random bits), because mail systems may change the case of an address's
 * local part and may not keep anything but letters, digits, `+` and `-`.
 */
export async function newReplyToken(tx: Queryable, requestId: number): Promise<string> {
  const bytes = randomBytes(26);
  let token = '';
  for (const byte of bytes) token += ALPHABET[byte & 31];
  await tx.query('INSERT INTO reply_tokens (token_hash, request_id) VALUES ($1, $2)', [
    hashToken(token),
    requestId,
  ]);
  return token;
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
    [hashToken(match[1]!)],
  );
  return row ? Number(row.request_id) : undefined;
}
