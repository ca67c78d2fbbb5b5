import { z } from 'zod';
import { createApiToken } from '../auth/users.service.ts';
import { userEmail } from '../auth/users.schema.ts';
import { actionOptions, optionValue } from './arguments.ts';
import { withDatabase, type Command } from './command.ts';

const label = z.string().trim().max(100, { error: 'at most 100 characters.' });

/**
 * `desk token create --email E [--label L]`: the token alone on stdout, so a script can take
 * it; it is shown this once and stored only as a hash. Exit 1 for an unknown or disabled user.
 */
export const tokenCommand: Command = {
  usage: 'token create --email E [--label L]   print a new API token for a user (shown once)',
  async run(args) {
    const values = actionOptions(args, 'create', ['email', 'label']);
    const email = optionValue(userEmail, values.email, '--email');
    const tokenLabel = values.label === undefined ? null : optionValue(label, values.label, '--label');

    const created = await withDatabase((db) => createApiToken(db, { email, label: tokenLabel }));
    process.stdout.write(`${created.token}\n`);
    process.stderr.write(
      `API token for ${created.user.email} (${created.user.role}). It is not shown again: keep it safe.\n`,
    );
    return 0;
  },
};
