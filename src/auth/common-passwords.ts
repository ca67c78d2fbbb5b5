import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MIN_PASSWORD_LENGTH } from './passwords.ts';

/**
 * The list of commonly used passwords shipped with the desk: the 49,233 of
 * `@zxcvbn-ts/language-common` (MIT; zxcvbn's frequency list, drawn from leaked-password
 * corpora). Read on first use, not at start: only the processes that set a password need it,
 * and only entries of an allowed length are kept (about 300), so it costs a few kilobytes.
 */
let common: Set<string> | undefined;

function fold(password: string): string {
  return password.normalize('NFC').toLowerCase();
}

function load(): Set<string> {
  const file = createRequire(import.meta.url).resolve('@zxcvbn-ts/language-common/src/passwords.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as string[];
  return new Set(all.filter((p) => [...p].length >= MIN_PASSWORD_LENGTH).map(fold));
}

/** True when the password, in any case, is on the list. */
export function isCommonPassword(password: string): boolean {
  common ??= load();
  return common.has(fold(password));
}
