import { ConfigError } from '../config.ts';
import { UsageError, type Command } from './command.ts';
import { demoCommand } from './demo.command.ts';
import { evalCommand } from './eval.command.ts';
import { importCommand } from './import.command.ts';
import { keysCommand } from './keys.command.ts';
import { purgeCommand } from './purge.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { tokenCommand } from './token.command.ts';
import { userCommand } from './user.command.ts';

/** Every `desk` command, by its first word. */
const commands: Record<string, Command> = {
  migrate: migrateCommand,
  import: importCommand,
  user: userCommand,
  token: tokenCommand,
  eval: evalCommand,
  demo: demoCommand,
  purge: purgeCommand,
  keys: keysCommand,
};

const usage = () =>
  `Usage: desk <command>\n\nCommands:\n${Object.values(commands)
    .map((c) => `  ${c.usage}`)
    .join('\n')}\n`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      process.stderr.write(`${(error as Error).message}\n\nUsage: desk ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(
      `${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
