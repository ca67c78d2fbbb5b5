import { createTokenFromCli } from '../auth/tokens.service.ts';
import { DEFAULT_TOKEN_DAYS, tokenDays, tokenLabel } from '../auth/tokens.schema.ts';
import { userEmail } from '../auth/users.schema.ts';
import { actionOptions, optionValue } from './arguments.ts';
import { withDatabase, type Command } from './command.ts';

/**
 * `desk token create --email E [--label L] [--expires-in DAYS]`: the token alone on stdout, so a
 * script can take it; it is shown this once and stored only as a hash. The token records
 * `created_by: cli` (the operator on the server) and is audited so. Exit 1 for an unknown or
 * disabled user, 2 for bad arguments.
 */
export const tokenCommand: Command = {
  usage:
    'token create --email E [--label L] [--expires-in DAYS]   print a new API token for a user (shown once; default 90 days)',
  async run(args) {
    const values = actionOptions(args, 'create', ['email', 'label', 'expires-in']);
    const email = optionValue(userEmail, values.email, '--email');
    const label = values.label === undefined ? null : optionValue(tokenLabel, values.label, '--label');
    const days = values['expires-in'];
    const expiresInDays =
      days === undefined ? DEFAULT_TOKEN_DAYS : optionValue(tokenDays, days, '--expires-in');

    const created = await withDatabase((db) => createTokenFromCli(db, email, { label, expiresInDays }));
    process.stdout.write(`${created.token}\n`);
    process.stderr.write(
      `API token for ${created.user.email} (${created.user.role}), valid until ${created.expiresAt.toISOString()}. ` +
        'It is not shown again: keep it safe.\n',
    );
    return 0;
  },
};
