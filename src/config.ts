import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const urlWithProtocol = (protocols: string[]) =>
  z.url().refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
    message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });

const limit = z.coerce.number().int().min(0, 'must be 0 (no limit) or a positive whole number');

const hours = z.coerce
  .number()
  .positive('must be a positive number of hours')
  .max(24 * 365);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: urlWithProtocol(['postgres', 'postgresql']).optional(),
  REDIS_URL: urlWithProtocol(['redis', 'rediss']).optional(),
  SMTP_URL: urlWithProtocol(['smtp', 'smtps']).optional(),
  MAIL_FROM: z.string().trim().min(3).default('Recovery Desk <desk@localhost>'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 bytes long').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  INTAKE_LIMIT_PER_IP: limit.default(60),
  INTAKE_LIMIT_PER_EMAIL: limit.default(10),
  FIRST_RESPONSE_HOURS: hours.default(8),
  RESOLUTION_HOURS: hours.default(72),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters long').optional(),
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly publicUrl: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string;
  /** true when REDIS_URL was not set, so `npm start` may start a private redis-server */
  readonly redisUrlIsDefault: boolean;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly dataDir: string;
  readonly secretKey: string;
  readonly logLevel: string;
  readonly intakeLimitPerIp: number;
  readonly intakeLimitPerEmail: number;
  /** Service levels: hours from filing to the first response and to the resolution (paused while waiting on the customer). */
  readonly firstResponseHours: number;
  readonly resolutionHours: number;
  /** Bearer token /metrics asks for; unset, /metrics is open outside production and 404 in it. */
  readonly metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment once. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.SECRET_KEY) {
    throw new ConfigError(['SECRET_KEY: required when NODE_ENV=production (32+ bytes)']);
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL ?? DEFAULT_REDIS_URL,
    redisUrlIsDefault: e.REDIS_URL === undefined,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    dataDir,
    secretKey: e.SECRET_KEY ?? readOrCreateSecretKey(dataDir),
    logLevel: e.LOG_LEVEL,
    intakeLimitPerIp: e.INTAKE_LIMIT_PER_IP,
    intakeLimitPerEmail: e.INTAKE_LIMIT_PER_EMAIL,
    firstResponseHours: e.FIRST_RESPONSE_HOURS,
    resolutionHours: e.RESOLUTION_HOURS,
    metricsToken: e.METRICS_TOKEN,
  });
}

/** Outside production a key is generated on first start and kept in DATA_DIR. */
function readOrCreateSecretKey(dataDir: string): string {
  const file = path.join(dataDir, 'secret-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
