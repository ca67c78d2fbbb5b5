import { createHash, randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/audit.repository.ts';
import type { ActingAs } from '../audit/audit.ts';
import type { Db, Queryable } from '../db/db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { hasRole } from './roles.ts';
import type { TokenScope } from './token-scopes.ts';
import {
  findApiToken,
  findUserByActiveToken,
  insertApiToken,
  listTokensOfUser,
  revokeApiTokenById,
  touchApiToken,
  type ApiTokenRow,
} from './tokens.repository.ts';
import type { AuthenticatedUser, User } from './user.ts';
import { findUserByEmail, findUserById, type UserRow } from './users.repository.ts';

// A recognisable prefix lets secret scanners and people tell a desk token from other strings.
const TOKEN_PREFIX = 'rdt_';
const TOKEN_SHAPE = /^rdt_[A-Za-z0-9_-]{43}$/;

export interface NewToken {
  label: string | null;
  expiresInDays: number;
  /** What it may do beyond its user's role (token-scopes.ts); none unless given. */
  scopes?: readonly TokenScope[];
}

export interface CreatedToken {
  /** The token itself: shown once, stored only as its hash. */
  token: string;
  tokenId: number;
  user: User;
  label: string | null;
  expiresAt: Date;
  scopes: TokenScope[];
}

/**
 * The signed-in user's own new token (console "My tokens"). Nobody creates a token for someone
 * else (README "Security"): a token is its creator's word that they are its owner, and four eyes relies
 * on that.
 */
export function createOwnToken(
  db: Db,
  owner: User,
  input: NewToken,
  address: string | null,
): Promise<CreatedToken> {
  return db.transaction(async (tx) => {
    const found = await findUserById(tx, owner.id);
    if (!found || found.disabled_at) throw new ConflictError('Your account is disabled.');
    return issueToken(tx, found, input, { createdBy: owner.id, via: 'console' }, { actor: owner, address });
  });
}

/** `desk token create`: the operator on the server makes a user's token, recorded as created by `cli`. */
export function createTokenFromCli(db: Db, email: string, input: NewToken): Promise<CreatedToken> {
  return db.transaction(async (tx) => {
    const found = await findUserByEmail(tx, email);
    if (!found) throw new NotFoundError(`No user has the email address ${email}.`);
    if (found.disabled_at) throw new ConflictError(`The user ${found.email} is disabled.`);
    return issueToken(tx, found, input, { createdBy: null, via: 'cli' }, { actor: 'cli', address: null });
  });
}

async function issueToken(
  tx: Queryable,
  user: UserRow,
  input: NewToken,
  origin: { createdBy: number | null; via: 'console' | 'cli' },
  acting: ActingAs,
): Promise<CreatedToken> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const scopes = [...(input.scopes ?? [])];
  const row = await insertApiToken(tx, {
    userId: user.id,
    tokenHash: hashApiToken(token),
    label: input.label,
    createdBy: origin.createdBy,
    createdVia: origin.via,
    expiresInDays: input.expiresInDays,
    scopes,
  });
  await recordAudit(tx, {
    ...acting,
    action: 'token_created',
    subject: tokenSubject(row.id, input.label, user.email),
    data: {
      token_id: row.id,
      owner_id: user.id,
      label: input.label,
      expires_at: row.expires_at,
      via: origin.via,
      scopes,
    },
  });
  return {
    token,
    tokenId: row.id,
    user: { id: user.id, email: user.email, role: user.role },
    label: input.label,
    expiresAt: row.expires_at,
    scopes,
  };
}

/** The user's own tokens, live ones first, for their "My tokens" page. */
export async function ownTokens(db: Queryable, user: User): Promise<ApiTokenRow[]> {
  return listTokensOfUser(db, user.id);
}

/**
 * Revokes a token for good. `as: 'owner'` (My tokens) reaches only the actor's own tokens: another's
 * is "no such token"; `as: 'admin'` reaches anyone's. False when it was already revoked.
 */
export async function revokeToken(
  db: Db,
  actor: User,
  tokenId: number,
  options: { as: 'owner' | 'admin'; address: string | null },
): Promise<{ label: string | null; owner: string; revoked: boolean }> {
  const token = await findApiToken(db, tokenId);
  const mayRevoke = options.as === 'admin' ? hasRole(actor, 'admin') : token?.user_id === actor.id;
  if (!token || !mayRevoke) throw new NotFoundError('There is no such API token.');
  const owner = (await findUserById(db, token.user_id))?.email ?? '';
  const reason = token.user_id === actor.id ? 'owner' : 'admin';
  const revoked = await db.transaction(async (tx) => {
    const done = await revokeApiTokenById(tx, tokenId, { reason, by: actor.id });
    if (!done) return false;
    await recordAudit(tx, {
      actor,
      address: options.address,
      action: 'token_revoked',
      subject: tokenSubject(token.id, token.label, owner),
      data: { token_id: token.id, owner_id: token.user_id, reason },
    });
    return true;
  });
  return { label: token.label, owner, revoked };
}

/**
 * The user an API token belongs to, with the token as their credential; null for anything else:
 * malformed, unknown, revoked, expired, or a disabled user's. The lookup is by hash, so
 * comparing it leaks nothing about the token.
 */
export async function authenticateToken(db: Queryable, token: string): Promise<AuthenticatedUser | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const found = await findUserByActiveToken(db, hashApiToken(token));
  if (!found) return null;
  // At most one write a minute per token, not one per API call.
  if (!found.recently_used) await touchApiToken(db, found.token_id);
  const createdBy =
    found.created_via === 'cli' ? 'cli' : found.created_via === 'console' ? found.created_by : null;
  return {
    id: found.id,
    email: found.email,
    role: found.role,
    credential: { kind: 'token', id: found.token_id, createdBy, scopes: found.scopes },
  };
}

/** A token as the audit names it: `token 12 “laptop” of tess@example.com`. */
export function tokenSubject(id: number, label: string | null, owner: string): string {
  return `token ${id}${label ? ` “${label}”` : ''} of ${owner}`;
}

function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
