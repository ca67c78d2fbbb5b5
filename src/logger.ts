import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths that must never reach a log line (SPEC: codes and tokens are secret). */
const redact = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.activation_code',
  '*.token',
  '*.password',
];

export function createLogger(level: string): Logger {
  return pino(
    { level, redact: { paths: redact, censor: '[redacted]' } },
    pino.destination({ dest: 1, sync: false }),
  );
}
