import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from './command.ts';

/**
 * A new password: the first line of stdin when it is not a terminal (scripts, pipes), else
 * typed twice at a prompt that does not echo. `check` throws (a UsageError) when the password
 * will not do; at a prompt, that is before it is asked for again.
 */
export async function readNewPassword(check: (password: string) => void): Promise<string> {
  if (!process.stdin.isTTY) {
    const password = await firstLine(process.stdin);
    check(password);
    return password;
  }
  const password = await promptHidden('Password: ');
  check(password);
  if ((await promptHidden('Password again: ')) !== password) throw new UsageError('The passwords differ.');
  return password;
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  // Leaving the loop closes the interface; the rest of stdin is not read.
  for await (const line of lines) return line;
  return '';
}

function promptHidden(question: string): Promise<string> {
  // readline echoes what is typed to its output; this output swallows it. The terminal leaves
  // its own echo once readline has it in raw mode, so the question is asked only after that.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  process.stderr.write(question);
  return new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    rl.once('SIGINT', () => reject(new Error('Cancelled.')));
    rl.once('close', () => reject(new Error('No password given.')));
  }).finally(() => {
    rl.close();
    process.stderr.write('\n');
  });
}
