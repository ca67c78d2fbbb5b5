import { addUser } from '../auth/users.service.ts';
import { newPassword, userEmail, userRole } from '../auth/users.schema.ts';
import { actionOptions, optionValue, validated } from './arguments.ts';
import { withDatabase, type Command } from './command.ts';
import { readNewPassword } from './password-input.ts';

/**
 * `desk user add --email E --role R`: the password is the first line of stdin, or typed twice
 * at a prompt. Exit 0 when added, 1 when the address is taken, 2 on bad input. Audited as done by
 * `cli`.
 */
export const userCommand: Command = {
  usage:
    'user add --email E --role technician|supervisor|admin   add a desk user (password: stdin or prompt)',
  async run(args) {
    const values = actionOptions(args, 'add', ['email', 'role']);
    // Checked before the password is asked for, so a typo does not cost typing it twice.
    const email = optionValue(userEmail, values.email, '--email');
    const role = optionValue(userRole, values.role, '--role');
    const password = await readNewPassword((p) => validated(newPassword, p));

    const user = await withDatabase((db) =>
      addUser(db, { email, role, password }, { actor: 'cli', address: null }),
    );
    process.stdout.write(`Added ${user.role} ${user.email}.\n`);
    return 0;
  },
};
