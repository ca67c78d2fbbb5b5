import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RedisServer } from '../../src/redis/redis-server.ts';
import type { TestDatabase } from './database.ts';
import { FaultySmtp } from './faulty-smtp.ts';
import { DeskProcess, processEnv, serverDatabase, type ProcessKind } from './processes.ts';
import { insertPurchase, type TestPurchase } from './purchases.ts';
import { validRequest } from './desk.ts';

/**
 * What a fault test runs the desk on: its own redis-server (persistent, as production's must be
 * for BullMQ), its own database on a PostgreSQL server, its own faulty SMTP server, and the web
 * and worker processes it starts on them.
 */
export class FaultDesk {
  readonly processes: DeskProcess[] = [];
  readonly secretKey = randomBytes(32).toString('hex');

  private constructor(
    readonly database: TestDatabase,
    readonly redis: RedisServer,
    readonly smtp: FaultySmtp,
    readonly dataDir: string,
  ) {}

  /** The desk's parts. */
  static async start(): Promise<FaultDesk> {
    const database = await serverDatabase();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rd-fault-'));
    const redis = await RedisServer.start({ dir: path.join(dataDir, 'redis'), persistent: true });
    const smtp = await FaultySmtp.start();
    return new FaultDesk(database, redis, smtp, dataDir);
  }

  get db() {
    return this.database.db;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return processEnv({
      redisUrl: this.redis.url,
      databaseUrl: this.database.url,
      smtpUrl: this.smtp.url,
      dataDir: this.dataDir,
      secretKey: this.secretKey,
      extra,
    });
  }

  /** Starts a web or worker process (from a build's output when `compiledDir` is given); it is stopped with the desk. */
  async spawn(
    kind: ProcessKind,
    extra: Record<string, string> = {},
    compiledDir?: string,
  ): Promise<DeskProcess> {
    const child = await DeskProcess.start(kind, this.env(extra), 60_000, compiledDir);
    this.processes.push(child);
    return child;
  }

  purchase(overrides: Partial<Record<string, string | number | null>> = {}): Promise<TestPurchase> {
    return insertPurchase(this.db, this.secretKey, overrides);
  }

  /** Every log line of every process started, for scans. */
  logs(): string[] {
    return this.processes.flatMap((p) => p.lines);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    await this.smtp.stop();
    await this.redis.stop();
    await this.database.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A request filed with the purchase's own details, so the matcher settles on it. */
export function requestFor(purchase: TestPurchase | null, overrides: Record<string, unknown> = {}) {
  return validRequest({
    ...(purchase
      ? {
          email: purchase.purchaser_email,
          name: purchase.purchaser_name,
          license_number: purchase.license_number,
          order_number: purchase.order_number,
          channel: purchase.channel,
          store: purchase.store,
          country: purchase.country,
          purchased_on: purchase.purchased_at,
        }
      : {}),
    locale: 'en',
    ...overrides,
  });
}

export interface Filing {
  status: number;
  reference?: string;
  retryAfter?: string | null;
  error?: string;
}

/** POSTs one request to the intake API of a web process; a refused connection is status 0. */
export async function file(baseUrl: string, body: Record<string, unknown>): Promise<Filing> {
  try {
    const res = await fetch(`${baseUrl}/api/v1/recovery-requests`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const json = (await res.json().catch(() => ({}))) as { reference?: string; error?: string };
    return {
      status: res.status,
      reference: json.reference,
      retryAfter: res.headers.get('retry-after'),
      error: json.error,
    };
  } catch (error) {
    return { status: 0, error: (error as Error).message };
  }
}

/**
 * Files requests one after another (with `parallel` in flight) until stop() is called: the
 * steady intake the faults happen under. Keeps every answer.
 */
export function steadyIntake(
  target: () => string,
  body: () => Record<string, unknown>,
  options: { parallel?: number; pauseMs?: number } = {},
) {
  const answers: Filing[] = [];
  let stopping = false;
  const lane = async () => {
    while (!stopping) {
      answers.push(await file(target(), body()));
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 50));
    }
  };
  const lanes = Array.from({ length: options.parallel ?? 2 }, lane);
  return {
    answers,
    accepted: () => answers.filter((a) => a.status === 201).map((a) => a.reference!),
    async stop() {
      stopping = true;
      await Promise.all(lanes);
      return answers;
    },
  };
}

/** Per request: its status, match results, 'matched' events and emails (status and how many). */
export async function processingReport(desk: { db: TestDatabase['db'] }, references: string[]) {
  return desk.db.query<{
    reference: string;
    status: string;
    match_results: number;
    matched_events: number;
    emails: number;
    unsent: number;
  }>(
    `SELECT r.reference, r.status,
            (SELECT count(*)::int FROM match_results m WHERE m.request_id = r.id) AS match_results,
            (SELECT count(*)::int FROM request_events e WHERE e.request_id = r.id AND e.type = 'matched') AS matched_events,
            (SELECT count(*)::int FROM emails e WHERE e.request_id = r.id) AS emails,
            (SELECT count(*)::int FROM emails e WHERE e.request_id = r.id AND e.status <> 'sent') AS unsent
       FROM recovery_requests r WHERE r.reference = ANY($1::text[]) ORDER BY r.id`,
    [references],
  );
}
