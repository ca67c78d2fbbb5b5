import { ENCRYPTED_TABLES } from '../keys/keys.repository.ts';
import { rotateKeys } from '../keys/keys.service.ts';
import { keyId } from '../purchases/code-cipher.ts';
import { actionOptions } from './arguments.ts';
import { withDatabase, type Command } from './command.ts';

/**
 * `desk keys rotate`: re-encrypts everything under SECRET_KEY (README "Security"), through a
 * running desk's embedded database too, and says how many rows of each table it changed.
 */
export const keysCommand: Command = {
  usage: 'keys rotate             re-encrypt every stored secret under SECRET_KEY (after a key change)',
  async run(args) {
    actionOptions(args, 'rotate', []);
    const { counts, id } = await withDatabase(async (db, config) => ({
      counts: await rotateKeys(db, config),
      id: keyId(config.secretKey),
    }));
    const total = ENCRYPTED_TABLES.reduce((sum, table) => sum + counts[table], 0);
    process.stdout.write(
      `Rows re-encrypted under SECRET_KEY (key id ${id}):\n` +
        ENCRYPTED_TABLES.map((table) => `  ${table}: ${counts[table]}\n`).join('') +
        `  total: ${total}\n` +
        (total === 0 ? 'Everything was already under SECRET_KEY; SECRET_KEY_PREVIOUS can be removed.\n' : ''),
    );
    return 0;
  },
};
