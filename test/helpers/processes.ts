import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverUrl, throwawayDatabase, type TestDatabase } from './database.ts';
import { waitFor } from './wait.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A throwaway database on the suite's PostgreSQL server, for web and worker processes to share. */
export async function serverDatabase(): Promise<TestDatabase> {
  return throwawayDatabase(await serverUrl(), 'rd_fault');
}

export type ProcessKind = 'web' | 'worker';

const SCRIPTS: Record<ProcessKind, string> = { web: 'src/web.ts', worker: 'workers/main.ts' };
const READY: Record<ProcessKind, string> = { web: 'web listening', worker: 'workers started' };

/**
 * A web or worker process of the desk, as production runs it (`node --import tsx …`, or the
 * compiled JavaScript under `compiledDir`, a `npm run build` output), its log lines (pino JSON)
 * kept for the test to read and scan.
 */
export class DeskProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port = 0;
  private readonly child: ChildProcess;

  constructor(
    readonly kind: ProcessKind,
    env: Record<string, string>,
    compiledDir?: string,
  ) {
    const script = compiledDir
      ? [path.join(compiledDir, SCRIPTS[kind].replace(/\.ts$/, '.js'))]
      : ['--import', 'tsx', SCRIPTS[kind]];
    this.child = spawn(process.execPath, script, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (stream: NodeJS.ReadableStream | null) => {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) this.take(line);
      });
    };
    keep(this.child.stdout);
    keep(this.child.stderr);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  static async start(
    kind: ProcessKind,
    env: Record<string, string>,
    timeoutMs = 60_000,
    compiledDir?: string,
  ) {
    const started = new DeskProcess(kind, env, compiledDir);
    await started.ready(timeoutMs);
    return started;
  }

  private take(line: string): void {
    this.lines.push(line);
    if (this.port === 0 && line.includes(READY.web)) {
      try {
        const port = (JSON.parse(line) as { port?: number }).port;
        if (typeof port === 'number') this.port = port;
      } catch {
        // not a log line of ours
      }
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async ready(timeoutMs = 60_000): Promise<void> {
    let gone = false;
    void this.exited.then(() => (gone = true));
    await waitFor(
      () => {
        if (gone) throw new Error(`${this.kind} process exited before it was ready:\n${this.log(20)}`);
        return this.lines.some((l) => l.includes(READY[this.kind])) && (this.kind !== 'web' || this.port > 0);
      },
      timeoutMs,
      `the ${this.kind} process to start`,
    );
  }

  /** The last `n` log lines, for failure messages. */
  log(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Sends a signal; resolves with how the process ended. */
  async kill(signal: NodeJS.Signals = 'SIGTERM') {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; for cleanup. */
  async stop(graceMs = 35_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

/** The settings a test desk's processes share: its Redis, database, SMTP server and key. */
export function processEnv(options: {
  redisUrl: string;
  databaseUrl: string;
  smtpUrl: string;
  dataDir: string;
  secretKey: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    PUBLIC_URL: 'http://desk.test',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    SMTP_URL: options.smtpUrl,
    DATA_DIR: options.dataDir,
    SECRET_KEY: options.secretKey,
    LOG_LEVEL: 'info',
    INTAKE_LIMIT_PER_IP: '0',
    INTAKE_LIMIT_PER_EMAIL: '0',
    // As in startDesk: the tests that want instant recovery say so.
    AUTO_RESEND: 'off',
    ...options.extra,
  };
}
