/**
 * README "Security", bounded resources: 40 parallel 5 MB uploads must not grow the web process's RSS by
 * more than 50 MB. Starts the desk on a private redis-server, posts the uploads to /recover at
 * once, and reads the process's VmRSS and VmHWM (peak, reset just before) from /proc.
 *
 * The process measured is the web process alone (`src/web.ts`), on a throwaway database made on
 * the PostgreSQL server at DATABASE_URL (an admin connection string), or, without it, on an
 * embedded server started for the measurement.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/upload-memory.ts
 *
 * test/security.uploads.test.ts runs the same measurement and asserts the bound.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { joinOrStartEmbedded } from '../src/db/embedded-postgres.ts';
import { RedisServer } from '../src/redis/redis-server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MB = 1024 * 1024;

export interface UploadMemory {
  process: 'web (src/web.ts)';
  uploads: number;
  fileBytes: number;
  statuses: Record<string, number>;
  rssBeforeMb: number;
  rssAfterMb: number;
  peakRssMb: number;
  /** Peak RSS during the uploads minus RSS just before them. */
  peakGrowthMb: number;
}

function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

/** A form post as a browser sends it, the file streamed from one shared buffer (no copy per upload). */
function postForm(port: number, fields: Record<string, string>, file: Buffer): Promise<number> {
  const boundary = `----rd${randomBytes(8).toString('hex')}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const head = Buffer.from(
    `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="receipt.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/recover',
        method: 'POST',
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': head.length + file.length + tail.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.write(head);
    req.write(file);
    req.end(tail);
  });
}

function formFields(n: number): Record<string, string> {
  return {
    email: `upload${n}.${randomBytes(3).toString('hex')}@example.com`,
    name: 'Quentin Kumar',
    license_number: '84F3-E32248-C1E89AF9',
    order_number: 'ES-2023-29324734',
    channel: 'estore',
    store: 'Online Store UK',
    country: 'GB',
    purchased_on: '2024-10-31',
    reason: 'lost',
    desired_outcome: 'recover_code',
    details: 'Receipt attached.',
  };
}

/** A new database on the server behind `adminUrl`, and how to drop it. */
async function throwawayDatabase(adminUrl: string) {
  const name = `rd_upload_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Starts the desk's script and resolves with its port once it listens. */
function startDesk(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        lines.push(line);
        const port = line.includes('web listening')
          ? (JSON.parse(line) as { port?: number }).port
          : undefined;
        if (port) resolve(port);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`desk exited (${code}):\n${lines.slice(-20).join('\n')}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    listening,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The measurement, on the server behind `adminUrl`, else on an embedded server of its own. */
export async function measureUploadMemory(
  options: { uploads?: number; adminUrl?: string } = {},
): Promise<UploadMemory> {
  const uploads = options.uploads ?? 40;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rd-upload-memory-'));
  // As root, an embedded server runs as the postgres user, which must reach its folder.
  chmodSync(dataDir, 0o755);
  const redis = await RedisServer.start({ dir: path.join(dataDir, 'redis') });
  const embedded = options.adminUrl ? undefined : await joinOrStartEmbedded(path.join(dataDir, 'pg'));
  const database = await throwawayDatabase(options.adminUrl ?? embedded!.url);
  const desk = startDesk('src/web.ts', {
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: path.join(dataDir, 'desk'),
    REDIS_URL: redis.url,
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    INTAKE_LIMIT_PER_IP: '0',
    INTAKE_LIMIT_PER_EMAIL: '0',
    DATABASE_URL: database.url,
  });
  try {
    const port = await desk.listening;
    const pid = desk.child.pid!;
    // Just under 5 MB, and a PDF by its first bytes: accepted, so the whole path runs.
    const file = Buffer.alloc(5 * MB - 4096, 0x20);
    file.write('%PDF-1.4\n');
    // Warm up as a process in service is warm: modules loaded, code compiled, the pool's
    // connections open and the heap sized for concurrent requests. A cold process's first burst of
    // parallel uploads costs about 38 MB once, however many uploads it holds (10 or 40 alike); that
    // is start-up, not what uploads cost, so the warm-up is itself a parallel burst.
    await Promise.all(Array.from({ length: 10 }, (_, i) => postForm(port, formFields(-1 - i), file)));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    const before = memoryOf(pid).rss;
    let sampled = before;
    const sampler = setInterval(() => (sampled = Math.max(sampled, memoryOf(pid).rss)), 20);
    const statuses = await Promise.all(
      Array.from({ length: uploads }, (_, i) => postForm(port, formFields(i), file)),
    );
    clearInterval(sampler);
    const after = memoryOf(pid);
    const peak = Math.max(after.hwm, sampled);
    const count: Record<string, number> = {};
    for (const s of statuses) count[s] = (count[s] ?? 0) + 1;
    const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
    return {
      process: 'web (src/web.ts)',
      uploads,
      fileBytes: file.length,
      statuses: count,
      rssBeforeMb: mb(before),
      rssAfterMb: mb(after.rss),
      peakRssMb: mb(peak),
      peakGrowthMb: mb(peak - before),
    };
  } finally {
    await desk.stop();
    await database.drop();
    await embedded?.leave();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await measureUploadMemory({ adminUrl: process.env.DATABASE_URL });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `${result.process}: ${result.uploads} parallel uploads of ${(result.fileBytes / MB).toFixed(2)} MB: RSS ${result.rssBeforeMb} MB before, peak ${result.peakRssMb} MB (+${result.peakGrowthMb} MB)\n`,
  );
}
