import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { imapMailboxOf, type ImapMailbox } from './imap-mailbox.ts';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const urlWithProtocol = (protocols: string[]) =>
  z.url().refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
    message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });

const limit = z.coerce.number().int().min(0, 'must be 0 (no limit) or a positive whole number');

/** Service levels: hours from filing to the first response and to the resolution (paused while waiting on the customer). */
export interface DueHours {
  readonly firstResponse: number;
  readonly resolution: number;
}

/** FIRST_RESPONSE_HOURS and RESOLUTION_HOURS when unset; also what `desk eval matching` files requests with. */
export const DEFAULT_DUE_HOURS: DueHours = Object.freeze({ firstResponse: 8, resolution: 72 });

const HOURS_MESSAGE =
  'must be a number of hours above 0 and at most 8760 (a year); decimals such as 0.5 are allowed';
const hours = z.coerce
  .number({ error: HOURS_MESSAGE })
  .positive(HOURS_MESSAGE)
  .max(24 * 365, HOURS_MESSAGE);

/**
 * Which proxies' `X-Forwarded-For` entries are believed, in Express's `trust proxy` terms: a hop
 * count, or addresses, CIDRs and the names `loopback`, `linklocal`, `uniquelocal`. `true` is
 * refused: it believes the left-most entry, which is whatever the client wrote.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): number | readonly string[] => {
    if (/^\d+$/.test(value)) return Number(value);
    if (value === 'false') return 0;
    if (value === 'true') {
      ctx.addIssue({
        code: 'custom',
        message:
          'true would believe any address a client writes; give the number of proxies or their addresses',
      });
      return z.NEVER;
    }
    const entries = value.split(',').map((entry) => entry.trim());
    for (const entry of entries) {
      try {
        proxyaddr.compile(entry);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is not a hop count, an address, a CIDR or loopback, linklocal, uniquelocal`,
        });
        return z.NEVER;
      }
    }
    return Object.freeze(entries);
  });

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
  SECRET_KEY_PREVIOUS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key !== ''),
    )
    .refine((keys) => keys.every((key) => key.length >= 32), 'each key must be at least 32 bytes long')
    .optional(),
  MAIL_TO_FILES: z.enum(['0', '1'], { error: 'must be 1 (write emails as .eml files) or 0' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: trustProxy.default(Object.freeze(['loopback'])),
  INTAKE_LIMIT_PER_IP: limit.default(60),
  INTAKE_LIMIT_PER_EMAIL: limit.default(10),
  FIRST_RESPONSE_HOURS: hours.default(DEFAULT_DUE_HOURS.firstResponse),
  RESOLUTION_HOURS: hours.default(DEFAULT_DUE_HOURS.resolution),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters long').optional(),
  INBOUND_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
      message: 'must be a domain name, such as replies.example.com',
    })
    .optional(),
  INBOUND_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  INBOUND_SMTP_HOST: z.string().trim().min(1).default('0.0.0.0'),
  INBOUND_IMAP_URL: z
    .string()
    .trim()
    .transform((value, ctx) => {
      try {
        return imapMailboxOf(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  INBOUND_IMAP_POLL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  INBOUND_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024, 'must be at least 65536 (64 KB)')
    .max(50 * 1024 * 1024, 'must be at most 52428800 (50 MB)')
    .default(25 * 1024 * 1024),
  AUTO_RESEND: z
    .enum(['strong', 'off'], { error: 'must be strong (instant recovery) or off' })
    .default('strong'),
  AUTO_RESEND_MAX_PER_HOUR: z.coerce.number().int().positive('must be a positive whole number').default(200),
  LICENSE_AUTHORITY_URL: z
    .url({ error: 'must be a URL, such as https://licensing.example.com/desk' })
    .refine(isAuthorityUrl, {
      message: 'must start with https:// (http:// only to a loopback host: localhost, 127.0.0.1, [::1])',
    })
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  LICENSE_AUTHORITY_SECRET: z.string().min(16, 'must be at least 16 characters long').optional(),
  LICENSE_AUTHORITY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  LICENSE_AUTHORITY_RETRY_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  WEBHOOK_ALLOW_HOSTS: z
    .string()
    .regex(
      /^[A-Za-z0-9.:[\], -]*$/,
      'must be host names or addresses separated by commas, such as hooks.internal,10.0.0.5',
    )
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine((hosts) => hosts.every((host) => !host.includes(' ')), 'a host name has no spaces')
    .default([]),
  WEBHOOK_RETRY_SECONDS: z.coerce
    .number()
    .int()
    .min(1, 'must be a positive whole number of seconds')
    .default(24 * 3600),
  WEBHOOK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100, 'must be at least 100 (milliseconds)')
    .max(60_000, 'must be at most 60000 (60 s)')
    .default(10_000),
});

/**
 * The licence authority is reached over https; plain http only on this machine (a stand-in in tests,
 * a vendor's system under development), where nothing crosses a network.
 */
function isAuthorityUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

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
  /** Earlier keys, still read (never written with) until `desk keys rotate` has moved everything to secretKey. */
  readonly secretKeyPrevious: readonly string[];
  readonly logLevel: string;
  /** Express's `trust proxy`: how many proxies, or which, stand between the client and the desk. */
  readonly trustProxy: number | readonly string[];
  readonly intakeLimitPerIp: number;
  readonly intakeLimitPerEmail: number;
  /** FIRST_RESPONSE_HOURS and RESOLUTION_HOURS. */
  readonly dueHours: DueHours;
  /** Bearer token /metrics asks for; unset, /metrics is open outside production and 404 in it. */
  readonly metricsToken: string | undefined;
  /** Email replies (README "Email replies"): where customers' answers by email arrive. */
  readonly inbound: InboundSettings;
  /** Instant recovery (README "Instant recovery"): AUTO_RESEND and AUTO_RESEND_MAX_PER_HOUR. */
  readonly autoResend: { readonly mode: 'strong' | 'off'; readonly maxPerHour: number };
  /** Webhooks (README "Webhooks"): WEBHOOK_ALLOW_HOSTS, WEBHOOK_RETRY_SECONDS, WEBHOOK_TIMEOUT_MS. */
  readonly webhooks: WebhookSettings;
  /** The vendor's licensing system (README "Licence authority"); unset, the desk makes codes itself. */
  readonly licenceAuthority: LicenceAuthoritySettings | undefined;
}

export interface LicenceAuthoritySettings {
  /** LICENSE_AUTHORITY_URL, without a trailing slash. */
  readonly url: string;
  /** LICENSE_AUTHORITY_SECRET: signs every call (Recovery-Desk-Signature). */
  readonly secret: string;
  /** LICENSE_AUTHORITY_TIMEOUT_MS: a call not answered by then is retried. */
  readonly timeoutMs: number;
  /** LICENSE_AUTHORITY_RETRY_MS: the first retry's delay, doubling after each, at most 10 minutes. */
  readonly retryMs: number;
}

export interface WebhookSettings {
  /** Hosts a webhook may reach though they resolve to private addresses (and by plain http), lower case. */
  readonly allowHosts: readonly string[];
  /** How long a delivery is retried, from its creation (or its last "Send again"), before it is failed. */
  readonly retrySeconds: number;
  /** How long one attempt waits for the receiver's answer. */
  readonly timeoutMs: number;
}

export interface InboundSettings {
  /** INBOUND_DOMAIN: emails to customers carry `Reply-To: reply+<token>@` it; unset, they say to answer on the status page. */
  readonly domain: string | undefined;
  /** INBOUND_SMTP_PORT (and INBOUND_SMTP_HOST): the desk's own SMTP listener; unset, none runs. */
  readonly smtpPort: number | undefined;
  readonly smtpHost: string;
  /** INBOUND_IMAP_URL: a mailbox polled every INBOUND_IMAP_POLL_SECONDS; unset, none is polled. */
  readonly imapUrl: string | undefined;
  /** INBOUND_IMAP_URL taken apart (the password URL-decoded). */
  readonly imap: ImapMailbox | undefined;
  readonly imapPollSeconds: number;
  /** INBOUND_MAX_BYTES: the largest message taken (the listener refuses larger ones at DATA). */
  readonly maxBytes: number;
}

export { imapMailboxOf, type ImapMailbox };

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
  if ((e.INBOUND_SMTP_PORT || e.INBOUND_IMAP_URL) && !e.INBOUND_DOMAIN)
    throw new ConfigError([
      'INBOUND_DOMAIN: required when INBOUND_SMTP_PORT or INBOUND_IMAP_URL is set (replies are addressed to reply+<token>@INBOUND_DOMAIN)',
    ]);
  if (e.LICENSE_AUTHORITY_URL && !e.LICENSE_AUTHORITY_SECRET)
    throw new ConfigError([
      'LICENSE_AUTHORITY_SECRET: required when LICENSE_AUTHORITY_URL is set (every call to the licensing system is signed with it)',
    ]);
  const productionProblems = e.NODE_ENV === 'production' ? refusedInProduction(e) : [];
  if (productionProblems.length > 0) throw new ConfigError(productionProblems);
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
    secretKeyPrevious: e.SECRET_KEY_PREVIOUS ?? [],
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    intakeLimitPerIp: e.INTAKE_LIMIT_PER_IP,
    intakeLimitPerEmail: e.INTAKE_LIMIT_PER_EMAIL,
    dueHours: Object.freeze({ firstResponse: e.FIRST_RESPONSE_HOURS, resolution: e.RESOLUTION_HOURS }),
    metricsToken: e.METRICS_TOKEN,
    inbound: Object.freeze({
      domain: e.INBOUND_DOMAIN,
      smtpPort: e.INBOUND_SMTP_PORT,
      smtpHost: e.INBOUND_SMTP_HOST,
      imapUrl: e.INBOUND_IMAP_URL?.url,
      imap: e.INBOUND_IMAP_URL && Object.freeze(e.INBOUND_IMAP_URL.mailbox),
      imapPollSeconds: e.INBOUND_IMAP_POLL_SECONDS,
      maxBytes: e.INBOUND_MAX_BYTES,
    }),
    autoResend: Object.freeze({ mode: e.AUTO_RESEND, maxPerHour: e.AUTO_RESEND_MAX_PER_HOUR }),
    licenceAuthority: licenceAuthorityOf(e),
    webhooks: Object.freeze({
      allowHosts: Object.freeze(e.WEBHOOK_ALLOW_HOSTS),
      retrySeconds: e.WEBHOOK_RETRY_SECONDS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    }),
  });
}

function licenceAuthorityOf(e: z.infer<typeof envSchema>): LicenceAuthoritySettings | undefined {
  if (!e.LICENSE_AUTHORITY_URL || !e.LICENSE_AUTHORITY_SECRET) return undefined;
  return Object.freeze({
    url: e.LICENSE_AUTHORITY_URL,
    secret: e.LICENSE_AUTHORITY_SECRET,
    timeoutMs: e.LICENSE_AUTHORITY_TIMEOUT_MS,
    retryMs: e.LICENSE_AUTHORITY_RETRY_MS,
  });
}

/** What production must not start with: no key of its own, or every email (codes included) left in files. */
function refusedInProduction(e: z.infer<typeof envSchema>): string[] {
  const problems: string[] = [];
  if (!e.SECRET_KEY) problems.push('SECRET_KEY: required when NODE_ENV=production (32+ bytes)');

  if (!e.SMTP_URL && e.MAIL_TO_FILES !== '1')
    problems.push(
      'SMTP_URL: required when NODE_ENV=production; without it every email, activation codes and status ' +
        'links included, is written as a file under DATA_DIR/outbox. Set SMTP_URL, or MAIL_TO_FILES=1 to accept that knowingly',
    );
  return problems;
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
