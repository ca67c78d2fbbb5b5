import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { UsageError } from './command.ts';

/** node's parseArgs, with every mistake in the arguments (unknown option, missing value…) a UsageError. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

/** `<command> <action> --name value…`: the named options' values, once the one action is given and nothing more. */
export function actionOptions<Name extends string>(
  args: string[],
  action: string,
  names: readonly Name[],
): Partial<Record<Name, string>> {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  const { positionals, values } = parseOptions({ args, options, allowPositionals: true });
  const [given, ...extra] = positionals;
  if (given !== action)
    throw new UsageError(given ? `Unknown action "${given}".` : `Which action? (${action})`);
  if (extra.length) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  return values as Partial<Record<Name, string>>;
}

/** `value` parsed by `schema`, or a UsageError with the first problem's message. */
export function validated<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${prefix}${parsed.error.issues[0]?.message ?? 'Not valid.'}`);
}

/** A required option's value parsed by `schema`; missing or not valid → a UsageError naming the option. */
export function optionValue<T>(schema: z.ZodType<T>, value: string | undefined, option: string): T {
  if (value === undefined) throw new UsageError(`${option} is required.`);
  return validated(schema, value, `${option}: `);
}
