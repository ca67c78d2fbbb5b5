import { z } from 'zod';
import { ForbiddenError } from '../errors.ts';
import { hasRole } from './roles.ts';
import type { AuthenticatedUser } from './user.ts';

/**
 * What an API token may do beyond its user's role (README "Integrations"), chosen when it is made.
 * A token without scopes does what its user's role allows, as every token did before scopes.
 * Adding one: append it here, to the CHECK of api_tokens.scopes (a new migration), and to
 * SCOPE_TEXT; the console's form and lists, the CLI and the audit take it from here.
 */
export const TOKEN_SCOPES = ['purchases:write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What each scope lets a token do, as the console's form and lists say it. */
export const SCOPE_TEXT: Record<TokenScope, string> = {
  'purchases:write': 'push purchase records (PUT /api/v1/purchases, POST /api/v1/purchases/batch)',
};

/** Who may act without holding the scope: the role that may do it anyway. */
const SCOPE_ROLE: Record<TokenScope, 'admin'> = { 'purchases:write': 'admin' };

const scopeName = z.enum(TOKEN_SCOPES, {
  error: (issue) =>
    `Unknown scope ${JSON.stringify(issue.input)}: the scopes are ${TOKEN_SCOPES.join(', ')}.`,
});

/** A list of scopes: one name, several (a form's repeated checkbox), or none; each once, in TOKEN_SCOPES order. */
export const tokenScopes = z
  .preprocess((given) => (given === undefined ? [] : [given].flat()), z.array(scopeName))
  .transform((given): TokenScope[] => TOKEN_SCOPES.filter((scope) => given.includes(scope)));

/**
 * Lets the call through when its token holds `scope` or its user's role may do it without (an
 * admin); otherwise 403. A console session holds no scopes.
 */
export function requireScope(user: AuthenticatedUser, scope: TokenScope): void {
  if (hasRole(user, SCOPE_ROLE[scope])) return;
  if (user.credential.kind === 'token' && user.credential.scopes.includes(scope)) return;
  throw new ForbiddenError(`This needs an API token with the ${scope} scope, or an admin's token.`);
}
