import { createTokenFromCli } from '../auth/tokens.service.ts';
import { tokenScopes } from '../auth/token-scopes.ts';
import { DEFAULT_TOKEN_DAYS, tokenDays, tokenLabel } from '../auth/tokens.schema.ts';
import { userEmail } from '../auth/users.schema.ts';
import { actionOptions, optionValue, validated } from './arguments.ts';
import { withDatabase, type Command } from './command.ts';

/**
 * `desk token create --email E [--label L] [--expires-in DAYS] [--scope S[,S…]]`: the token alone on stdout, so a
 * script can take it; it is shown this once and stored only as a hash. The token records
 * `created_by: cli` (the operator on the server) and is audited so. Exit 1 for an unknown or
 * disabled user, 2 for bad arguments.
 */
export const tokenCommand: Command = {
  usage:
    'token create --email E [--label L] [--expires-in DAYS] [--scope purchases:write]   print a new API token for a user (shown once; default 90 days; scopes comma-separated)',
  async run(args) {
    const values = actionOptions(args, 'create', ['email', 'label', 'expires-in', 'scope']);
    const email = optionValue(userEmail, values.email, '--email');
    const label = values.label === undefined ? null : optionValue(tokenLabel, values.label, '--label');
    const days = values['expires-in'];
    const expiresInDays =
      days === undefined ? DEFAULT_TOKEN_DAYS : optionValue(tokenDays, days, '--expires-in');
    const scopes =
      values.scope === undefined
        ? []
        : validated(
            tokenScopes,
            values.scope.split(',').map((s) => s.trim()),
            '--scope: ',
          );

    const input = { label, expiresInDays, scopes };
    const created = await withDatabase((db) => createTokenFromCli(db, email, input));
    process.stdout.write(`${created.token}\n`);
    process.stderr.write(
      `API token for ${created.user.email} (${created.user.role}), valid until ${created.expiresAt.toISOString()}, ` +
        `scopes: ${created.scopes.join(', ') || 'none'}. ` +
        'It is not shown again: keep it safe.\n',
    );
    return 0;
  },
};
