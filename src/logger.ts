import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths that must never reach a log line (activation codes, tokens and passwords are secret). */
const redact = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.activation_code',
  '*.token',
  '*.password',
];

/** A PostgreSQL error: a severity and a five-character SQLSTATE. */
function isDatabaseError(error: unknown): error is Record<string, unknown> & { code: string } {
  const e = error as { severity?: unknown; code?: unknown } | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.severity === 'string' &&
    typeof e.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(e.code)
  );
}

/**
 * Errors as logged. A database error's message, `detail` and `where` quote the values that failed
 * (`invalid input syntax for type bigint: "…"`, `Key (email)=(…) already exists`): what a customer
 * submitted, which has no place in a log. Such an error is
 * logged by its SQLSTATE, its constraint and where in our code it was raised.
 */
export function serializeError(error: unknown): unknown {
  if (!isDatabaseError(error)) return pino.stdSerializers.err(error as Error);
  const stack = typeof error.stack === 'string' ? error.stack.split('\n').slice(1).join('\n') : undefined;
  const text = (key: string) => (typeof error[key] === 'string' ? error[key] : undefined);
  return {
    type: 'DatabaseError',
    message: `database error ${error.code}`,
    code: error.code,
    constraint: text('constraint'),
    table: text('table'),
    column: text('column'),
    routine: text('routine'),
    stack,
  };
}

export function createLogger(level: string): Logger {
  return pino(
    { level, redact: { paths: redact, censor: '[redacted]' }, serializers: { err: serializeError } },
    pino.destination({ dest: 1, sync: false }),
  );
}
