/**
 * `npm run bench [-- --quick] [-- --db=embedded|server|both]`: the figures of issues 5 and 14, each
 * against a baseline measured in the same run (the two sides alternate over several rounds; the
 * median ratio is the figure), on the embedded default (the PostgreSQL server the desk starts
 * under DATA_DIR) and on a PostgreSQL server. Prints a table and writes it as JSON under
 * bench/results/.
 *
 * DATABASE_URL names the PostgreSQL server to use as an admin connection (default
 * postgres://postgres@127.0.0.1:5432/postgres): the bench creates a database of its own on it,
 * rd_bench_<pid>, and drops it at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import { openPostgres } from '../src/db/db.ts';
import { joinOrStartEmbedded } from '../src/db/embedded-postgres.ts';
import { RedisServer, freePort } from '../src/redis/redis-server.ts';
import { queuePrefixOf } from '../src/runtime.ts';
import { purchasesCsv, recoveryRequests } from './lib/data.ts';
import { closedLoop, intakeLoad, json, paced, send, signIn, type Throughput } from './lib/http.ts';
import {
  firstMessage,
  Host,
  memoryOf,
  ROOT,
  sampleMemory,
  scriptNodeOptions,
  startNode,
  stopChild,
} from './lib/processes.ts';
import { measureFootprint } from './lib/footprint.ts';
import { reportsFigure } from './reports.ts';
import { startCountingSmtp, type CountingSmtp } from './lib/smtp.ts';
import { alternate, latencyOf, median, ratios, round, type Latency } from './lib/stats.ts';

type DbKind = 'embedded' | 'server';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    db: { type: 'string', default: 'both' },
    keep: { type: 'boolean', default: false },
    // Only these figures (comma-separated: footprint, import, intake, matching, email, latency, memory, queue, reports).
    only: { type: 'string' },
    // Writes CPU profiles (node --cpu-prof) of the desk's processes into the work folder, kept.
    profile: { type: 'boolean', default: false },
    purchases: { type: 'string' },
    'intake-seconds': { type: 'string' },
  },
});
const ONLY = args.only ? new Set(args.only.split(',')) : undefined;
const want = (figure: string) => !ONLY || ONLY.has(figure);
const QUICK = args.quick;
const KINDS: DbKind[] = args.db === 'both' ? ['embedded', 'server'] : [args.db as DbKind];
if (!KINDS.every((k) => k === 'embedded' || k === 'server'))
  throw new Error('--db is embedded, server or both');

const SIZE = QUICK
  ? { purchases: 2_000, rounds: 2, intakeSeconds: 1.5, warmSeconds: 1, matchJobs: 100, emails: 50 }
  : { purchases: 1_000_000, rounds: 3, intakeSeconds: 8, warmSeconds: 3, matchJobs: 1_000, emails: 500 };
if (args.purchases) SIZE.purchases = Number(args.purchases);
if (args['intake-seconds']) SIZE.intakeSeconds = Number(args['intake-seconds']);
const SIZE2 = QUICK
  ? {
      latencySeconds: 3,
      queueRows: 1_000,
      queueSeconds: 2,
      queueRowSeconds: 1,
      memorySeconds: 2,
      requests: 2_000,
      reportRequests: 2_000,
      reportRuns: 5,
    }
  : {
      latencySeconds: 20,
      queueRows: 100_000,
      queueSeconds: 10,
      queueRowSeconds: 4,
      memorySeconds: 10,
      requests: 20_000,
      reportRequests: 1_000_000,
      reportRuns: 20,
    };
const CONNECTIONS = 50;
const SECRET_KEY = randomBytes(32).toString('hex');

/** One row of the table. */
interface Figure {
  figure: string;
  database: DbKind;
  desk?: string;
  baseline?: string;
  ratio?: number;
  target: string;
  met: boolean | null;
  /** Every measurement behind the row. */
  data: Record<string, unknown>;
  note?: string;
}

const figures: Figure[] = [];
const work = mkdtempSync(path.join(os.tmpdir(), 'rd-bench-'));
// As root, the embedded server runs as the postgres user, which must reach its DATA_DIR in here.
chmodSync(work, 0o755);
const logFile = (name: string) => path.join(work, `${name}.log`);
const log = (message: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mb = (bytes: number) => bytes / 1024 / 1024;

const startedAt = new Date();
const loadBefore = os.loadavg();
const redis = await RedisServer.start({ dir: path.join(work, 'redis') });
const smtp = await startCountingSmtp();
const csv = await purchasesCsv(SIZE.purchases);
log(`purchases CSV: ${csv.file} (${fmt(mb(csv.bytes))} MB); work folder ${work}`);
const bodies = recoveryRequests(SIZE2.requests, SIZE.purchases);
const bare = startNode('bench/bare-express.ts', {}, logFile('bare-express'));
const bareUrl = `http://127.0.0.1:${(await firstMessage<{ port: number }>(bare, 'the bare Express app', logFile('bare-express'))).port}`;

// Interrupted: what was started is stopped (the PostgreSQL database is dropped by its own finally).
let cleanup: (() => Promise<void>) | undefined;
process.once('SIGINT', () => {
  log('interrupted; stopping');
  void Promise.allSettled([stopChild(bare), smtp.stop(), redis.stop(), cleanup?.()]).then(() =>
    process.exit(130),
  );
});

try {
  for (const kind of KINDS) await benchDatabase(kind, smtp);
} finally {
  await stopChild(bare);
  await smtp.stop();
  await redis.stop();
  if (!args.keep && !args.profile) rmSync(work, { recursive: true, force: true });
}
report();

async function benchDatabase(kind: DbKind, smtp: CountingSmtp): Promise<void> {
  log(`── ${kind} ──`);
  const dataDir = path.join(work, kind);
  // As root, the embedded server runs as the postgres user, which must reach DATA_DIR.
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  // The embedded server is the desk's own under DATA_DIR; the bench joins it too (for psql and SQL).
  const embedded = kind === 'embedded' ? await joinOrStartEmbedded(dataDir) : undefined;
  const server = embedded ? undefined : await createPostgresDatabase();
  const dbUrl = embedded?.url ?? server!.url;
  cleanup = async () => {
    await server?.drop();
    await embedded?.leave();
  };
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'production',
    DATABASE_URL: server?.url,
    DATA_DIR: dataDir,
    SECRET_KEY,
    REDIS_URL: redis.url,
    SMTP_URL: smtp.url,
    LOG_LEVEL: 'info',
    PORT: '0',
    INTAKE_LIMIT_PER_IP: '0',
    INTAKE_LIMIT_PER_EMAIL: '0',
  };
  try {
    if (kind === 'embedded' && want('footprint')) await footprintFigure(env);
    await importFigure(kind, env, dbUrl);
    const host = await Host.start(env, logFile(`desk-host-${kind}`), profiling(kind));
    let peak = 0;
    try {
      peak = want('intake') || want('latency') || want('memory') ? await intakeFigure(kind, host) : 0;
      if (want('matching')) await matchingFigure(kind, host);
      if (want('email')) await emailFigure(kind, host);
      await clearQueues(host.hello.queuePrefix);
      if (want('queue')) await queueFigure(kind, host);
    } finally {
      await host.stop();
    }
    if (want('latency') || want('memory')) await separateProcessesFigures(kind, env, dbUrl, peak);
    // On the PostgreSQL server only: a million requests take minutes to write.
    if (kind === 'server' && want('reports')) await reportsRow(dbUrl);
  } finally {
    await cleanup();
  }
}

/** With --profile, node options writing a CPU profile of the process into the work folder. */
function profiling(kind: DbKind): string[] {
  return args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(work, 'profiles', kind)}`] : [];
}

// ── PostgreSQL: a throwaway database ──

async function createPostgresDatabase() {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `rd_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      if (args.keep) return;
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

// ── footprint: `npm start` as a new user meets it ──

async function footprintFigure(env: Record<string, string | undefined>) {
  const requests = QUICK ? 100 : 1_000;
  log(`footprint: npm start on an empty DATA_DIR, desk demo, ${requests} requests, restart`);
  const f = await measureFootprint({
    dataDir: path.join(work, 'footprint'),
    env: { ...env, NODE_ENV: undefined, SECRET_KEY: undefined, LOG_LEVEL: 'warn', PORT: undefined },
    bodies: bodies.slice(0, requests),
    logFile: logFile('footprint'),
  });
  const pss = mb(f.pss);
  figures.push({
    figure: `npm start: first start / restart to /readyz; memory (PSS, whole tree) after desk demo and ${requests} requests`,
    database: 'embedded',
    desk: `${fmt(f.firstStartMs / 1000)} s / ${fmt(f.restartMs / 1000)} s; ${fmt(pss, 0)} MB`,
    target: '<= 5 s / <= 2 s; <= 300 MB',
    met: f.firstStartMs <= 5_000 && f.restartMs <= 2_000 && pss <= 300,
    data: {
      firstStartMs: round(f.firstStartMs, 0),
      restartMs: round(f.restartMs, 0),
      pssMb: round(pss),
      pssMbByProcess: Object.fromEntries(Object.entries(f.pssByProcess).map(([k, v]) => [k, round(mb(v))])),
      requests,
    },
  });
  log(
    `footprint: first ${fmt(f.firstStartMs / 1000)} s, restart ${fmt(f.restartMs / 1000)} s, PSS ${fmt(pss, 0)} MB`,
  );
}

// ── import ──

/** Runs a command to its end: wall time, exit code, and its peak RSS (GNU time, else /proc polling). */
async function measureCommand(
  command: string,
  commandArgs: string[],
  env: Record<string, string | undefined>,
  output: string,
): Promise<{ ms: number; peakRss: number; code: number | null }> {
  const timeFile = path.join(work, `time-${randomBytes(4).toString('hex')}`);
  const gnuTime = existsSync('/usr/bin/time');
  const [cmd, cmdArgs] = gnuTime
    ? ['/usr/bin/time', ['-f', '%M', '-o', timeFile, command, ...commandArgs]]
    : [command, commandArgs];
  const out = openSync(output, 'a');
  const started = performance.now();
  const child = spawn(cmd, cmdArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  let polled = 0;
  const poll = setInterval(() => {
    // With GNU time the child is `time`; its own child is the command.
    const pids = [child.pid!, ...childrenOf(child.pid!)];
    for (const pid of pids) polled = Math.max(polled, memoryOf(pid)?.hwm ?? 0);
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ms = performance.now() - started;
  clearInterval(poll);
  const measured =
    gnuTime && existsSync(timeFile)
      ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)) * 1024
      : 0;
  return { ms, peakRss: Math.max(measured, gnuTime ? 0 : polled) || polled, code };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function importFigure(kind: DbKind, env: Record<string, string | undefined>, dbUrl: string) {
  const rows = SIZE.purchases;
  if (!want('import')) {
    const run = await measureCommand(
      process.execPath,
      ['--import', 'tsx', 'src/cli/desk.ts', 'import', 'purchases', csv.file],
      env,
      logFile(`import-${kind}`),
    );
    if (run.code !== 0) throw new Error(`desk import failed; see ${logFile(`import-${kind}`)}`);
    return;
  }
  log(`import: ${rows.toLocaleString('en')} rows, desk import vs psql \\copy`);
  const baseline = async () => {
    const psql = (sql: string) =>
      spawnSync('psql', [dbUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: 'ignore' });
    psql(`DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (${columnsAsText()})`);
    const run = await measureCommand(
      'psql',
      [
        dbUrl,
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `\\copy bench_copy FROM '${csv.file}' WITH (FORMAT csv, HEADER true)`,
      ],
      {},
      logFile('psql-copy'),
    );
    psql('DROP TABLE bench_copy');
    if (run.code !== 0) throw new Error(`psql \\copy failed; see ${logFile('psql-copy')}`);
    return run;
  };
  // The desk imports once (the data every later figure uses); the baseline runs before and after it.
  const before = await baseline();
  const desk = await measureCommand(
    process.execPath,
    ['--import', 'tsx', 'src/cli/desk.ts', 'import', 'purchases', csv.file],
    env,
    logFile(`import-${kind}`),
  );
  if (desk.code !== 0) throw new Error(`desk import failed; see ${logFile(`import-${kind}`)}`);
  const after = await baseline();
  const baselineMs = median([before.ms, after.ms]);
  const deskRate = rows / (desk.ms / 1000);
  const baseRate = rows / (baselineMs / 1000);
  const ratio = deskRate / baseRate;
  figures.push({
    figure: `import of a ${rows.toLocaleString('en')}-row CSV (rows/s; peak RSS)`,
    database: kind,
    desk: `${fmt(deskRate, 0)} rows/s; ${fmt(mb(desk.peakRss), 0)} MB`,
    baseline: `${fmt(baseRate, 0)} rows/s (psql \\copy)`,
    ratio: round(ratio),
    target: '>= 0.2; RSS <= 200 MB',
    met: ratio >= 0.2 && mb(desk.peakRss) <= 200,
    data: {
      rows,
      deskMs: round(desk.ms, 0),
      deskPeakRssMb: round(mb(desk.peakRss)),
      baselineMs: [round(before.ms, 0), round(after.ms, 0)],
      baselinePeakRssMb: [round(mb(before.peakRss)), round(mb(after.peakRss))],
      rounds: 'desk once (the bench data), baseline before and after; ratio against their median',
    },
  });
  log(
    `import: desk ${fmt(desk.ms / 1000)} s, baseline ${fmt(baselineMs / 1000)} s, ratio ${fmt(ratio, 3)}, RSS ${fmt(mb(desk.peakRss), 0)} MB`,
  );
}

function columnsAsText(): string {
  const header = readFileSync(csv.file, { encoding: 'utf8', flag: 'r' }).slice(0, 1000).split('\n')[0]!;
  return header
    .split(',')
    .map((c) => `${c} text`)
    .join(', ');
}

// ── intake ──

async function intakeFigure(kind: DbKind, host: Host): Promise<number> {
  log(
    `intake: ${SIZE.rounds} rounds of ${SIZE.intakeSeconds} s at ${CONNECTIONS} connections, desk vs bare Express`,
  );
  await intakeLoad(bareUrl, bodies, CONNECTIONS, SIZE.warmSeconds);
  await intakeLoad(host.url, bodies, CONNECTIONS, SIZE.warmSeconds);
  const runs = await alternate<Throughput>(SIZE.rounds, {
    desk: () => intakeLoad(host.url, bodies, CONNECTIONS, SIZE.intakeSeconds),
    baseline: () => intakeLoad(bareUrl, bodies, CONNECTIONS, SIZE.intakeSeconds),
  });
  const desk = runs.desk.map((r) => r.accepted);
  const base = runs.baseline.map((r) => r.accepted);
  const ratio = median(ratios(desk, base));
  const p99 = median(runs.desk.map((r) => r.p99));
  const p50 = median(runs.desk.map((r) => r.p50));
  const rejected = runs.desk.reduce(
    (n, r) =>
      n +
      r.errors +
      Object.entries(r.statuses)
        .filter(([c]) => c !== '201')
        .reduce((s, [, v]) => s + v, 0),
    0,
  );
  figures.push({
    figure: `intake: POST /api/v1/recovery-requests accepted/s at ${CONNECTIONS} connections`,
    database: kind,
    desk: `${fmt(median(desk), 0)}/s; p50 ${p50} ms, p99 ${p99} ms`,
    baseline: `${fmt(median(base), 0)}/s (bare Express)`,
    ratio: round(ratio),
    target: '>= 0.3; p99 <= 50 ms',
    met: ratio >= 0.3 && p99 <= 50,
    data: {
      deskAcceptedPerSecond: desk.map((v) => round(v, 1)),
      baselinePerSecond: base.map((v) => round(v, 1)),
      ratios: ratios(desk, base).map((v) => round(v)),
      deskP50Ms: runs.desk.map((r) => r.p50),
      deskP99Ms: runs.desk.map((r) => r.p99),
      baselineP99Ms: runs.baseline.map((r) => r.p99),
      deskStatuses: runs.desk.map((r) => r.statuses),
      deskNot201: rejected,
    },
  });
  log(
    `intake: desk ${fmt(median(desk), 0)}/s vs ${fmt(median(base), 0)}/s, ratio ${fmt(ratio, 3)}, p99 ${p99} ms`,
  );
  return median(desk);
}

// ── matching ──

async function matchingFigure(kind: DbKind, host: Host) {
  const n = SIZE.matchJobs;
  const ids = (
    await host.query<{ id: number }>('SELECT id FROM recovery_requests ORDER BY id DESC LIMIT $1', [
      n * SIZE.rounds,
    ])
  ).map((r) => r.id);
  if (ids.length < n) throw new Error(`only ${ids.length} requests to match`);
  log(
    `matching: ${SIZE.rounds} rounds of ${n} match jobs at concurrency ${host.hello.concurrency.match}, desk vs no-op worker`,
  );
  // One small round each first: connections opened, code warmed.
  await host.ask({ op: 'match-round', side: 'baseline', requestIds: ids.slice(0, Math.ceil(n / 4)) });
  await host.ask({ op: 'match-round', side: 'desk', requestIds: ids.slice(0, Math.ceil(n / 4)) });
  let r = 0;
  const slice = () => {
    const start = ((r++ % SIZE.rounds) * n) % Math.max(1, ids.length - n + 1);
    return ids.slice(start, start + n);
  };
  const runs = await alternate(SIZE.rounds, {
    desk: () => host.ask({ op: 'match-round', side: 'desk', requestIds: slice() }),
    baseline: () => host.ask({ op: 'match-round', side: 'baseline', requestIds: ids.slice(0, n) }),
  });
  const rate = (x: { ms: number; jobs: number }) => x.jobs / (x.ms / 1000);
  const desk = runs.desk.map(rate);
  const base = runs.baseline.map(rate);
  const ratio = median(ratios(desk, base));
  const failed = runs.desk.reduce((s, x) => s + x.failed, 0);
  figures.push({
    figure: `matching: match jobs/s against ${SIZE.purchases.toLocaleString('en')} purchases`,
    database: kind,
    desk: `${fmt(median(desk), 0)} jobs/s`,
    baseline: `${fmt(median(base), 0)} jobs/s (no-op BullMQ worker)`,
    ratio: round(ratio),
    target: '>= 0.25',
    met: ratio >= 0.25 && failed === 0,
    data: {
      concurrency: host.hello.concurrency.match,
      jobsPerRound: n,
      deskJobsPerSecond: desk.map((v) => round(v, 1)),
      baselineJobsPerSecond: base.map((v) => round(v, 1)),
      ratios: ratios(desk, base).map((v) => round(v)),
      failedJobs: failed,
    },
  });
  log(`matching: desk ${fmt(median(desk), 0)}/s vs ${fmt(median(base), 0)}/s, ratio ${fmt(ratio, 3)}`);
}

// ── email ──

async function emailFigure(kind: DbKind, host: Host) {
  const n = SIZE.emails;
  log(
    `email: ${SIZE.rounds} rounds of ${n} emails at concurrency ${host.hello.concurrency.email}, desk vs prebuilt`,
  );
  // One small round each first: the SMTP pool's connections opened, code warmed.
  await host.ask({ op: 'email-round', side: 'baseline', count: Math.ceil(n / 4) });
  await host.ask({ op: 'email-round', side: 'desk', count: Math.ceil(n / 4) });
  const sentBefore = smtp.received();
  const runs = await alternate(SIZE.rounds, {
    desk: () => host.ask({ op: 'email-round', side: 'desk', count: n }),
    baseline: () => host.ask({ op: 'email-round', side: 'baseline', count: n }),
  });
  const rate = (x: { ms: number; emails: number }) => x.emails / (x.ms / 1000);
  const desk = runs.desk.map(rate);
  const base = runs.baseline.map(rate);
  const ratio = median(ratios(desk, base));
  const received = smtp.received() - sentBefore;
  figures.push({
    figure: 'email: render, store and send to a local SMTP server (emails/s)',
    database: kind,
    desk: `${fmt(median(desk), 0)} emails/s`,
    baseline: `${fmt(median(base), 0)} emails/s (Nodemailer, prebuilt message, same pool)`,
    ratio: round(ratio),
    target: '>= 0.8',
    met: ratio >= 0.8 && received === n * SIZE.rounds * 2,
    data: {
      concurrency: host.hello.concurrency.email,
      emailsPerRound: n,
      deskEmailsPerSecond: desk.map((v) => round(v, 1)),
      baselineEmailsPerSecond: base.map((v) => round(v, 1)),
      ratios: ratios(desk, base).map((v) => round(v)),
      smtpReceived: received,
    },
  });
  log(`email: desk ${fmt(median(desk), 0)}/s vs ${fmt(median(base), 0)}/s, ratio ${fmt(ratio, 3)}`);
}

async function clearQueues(prefix: string) {
  for (const name of ['match', 'email']) {
    const queue = new Queue(name, { connection: { url: redis.url }, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

// ── submit → verdict ──

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Requests sent at `share` of the peak intake rate; each one's time from its POST to its stored
 * verdict. The target is for half the peak; a smaller share shows the latency where the whole
 * pipeline (intake, relay, matching, the acknowledgement email) keeps up.
 */
async function latencyFigure(
  kind: DbKind,
  url: string,
  query: Query,
  peak: number,
  note?: string,
  share = 0.5,
) {
  const rate = Math.max(1, peak * share);
  const at = share === 0.5 ? 'half the peak' : `${share * 100}% of the peak`;
  log(`latency: submit → verdict at ${fmt(rate, 0)} requests/s (${at}) for ${SIZE2.latencySeconds} s`);
  let i = 0;
  const { results, skipped } = await paced(rate, SIZE2.latencySeconds, CONNECTIONS, async (_n, sentAt) => {
    const reply = await send(`${url}/api/v1/recovery-requests`, {
      method: 'POST',
      ...json(bodies[i++ % bodies.length]),
    });
    if (reply.status !== 201) throw new Error(`intake answered ${reply.status}`);
    return { reference: (JSON.parse(reply.body) as { reference: string }).reference, sentAt, ms: reply.ms };
  });
  const references = results.map((r) => r.reference);
  const deadline = Date.now() + 60_000;
  let verdicts = new Map<string, number>();
  while (Date.now() < deadline) {
    const rows = await query(
      `SELECT r.reference, (extract(epoch FROM m.matched_at) * 1000)::float8 AS at
         FROM recovery_requests r JOIN match_results m ON m.request_id = r.id WHERE r.reference = ANY($1::text[])`,
      [references],
    );
    verdicts = new Map(rows.map((row) => [row.reference as string, Number(row.at)]));
    if (verdicts.size >= references.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const latencies = results
    .filter((r) => verdicts.has(r.reference))
    .map((r) => verdicts.get(r.reference)! - r.sentAt);
  const l: Latency = latencyOf(latencies);
  const intake = latencyOf(results.map((r) => r.ms));
  const complete = verdicts.size === references.length && skipped === 0;
  figures.push({
    figure: `submit → verdict latency at ${at} intake rate`,
    database: kind,
    desk: `p50 ${l.p50} ms, p99 ${l.p99} ms`,
    target: share === 0.1 ? 'p50 <= 20 ms, p99 <= 100 ms' : '— (for reference)',
    met: share === 0.1 ? l.p50 <= 20 && l.p99 <= 100 && complete : null,
    data: {
      ratePerSecond: round(rate, 1),
      submitted: references.length,
      withVerdict: verdicts.size,
      skippedOrFailed: skipped,
      verdictLatencyMs: l,
      intakeReplyLatencyMs: intake,
      measuredAs:
        'match_results.matched_at (the verdict transaction) minus the client clock when the POST was sent',
    },
    note,
  });
  log(`latency: p50 ${l.p50} ms, p99 ${l.p99} ms (${verdicts.size}/${references.length} with a verdict)`);
}

// ── the web and worker processes as deployed ──

async function separateProcessesFigures(
  kind: DbKind,
  env: Record<string, string | undefined>,
  dbUrl: string,
  peak: number,
) {
  const port = await freePort();
  const processEnv = { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` };
  const webChild = startNode('src/web.ts', processEnv, logFile('web'), [
    ...scriptNodeOptions('start:web'),
    ...profiling(kind),
  ]);
  const workerChild = startNode('workers/main.ts', processEnv, logFile('worker'), [
    ...scriptNodeOptions('start:worker'),
    ...profiling(kind),
  ]);
  const url = `http://127.0.0.1:${port}`;
  const pool = openPostgres(dbUrl, 2);
  try {
    for (let i = 0; ; i++) {
      const ok = await send(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (i > 600 || webChild.exitCode !== null)
        throw new Error(`web process did not start; see ${logFile('web')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const sampler = sampleMemory({ web: webChild.pid!, worker: workerChild.pid! });
    const query: Query = (sql, params) => pool.query(sql, params);
    const note = 'web (src/web.ts) and worker (workers/main.ts) as separate processes';
    await latencyFigure(kind, url, query, peak, note);
    await latencyFigure(kind, url, query, peak, note, 0.1);
    log(
      `memory: ${SIZE2.memorySeconds} s of intake at ${CONNECTIONS} connections, web and worker processes running`,
    );
    const load = await intakeLoad(url, bodies, CONNECTIONS, SIZE2.memorySeconds);
    // The worker keeps working through the backlog the load left: its memory counts too.
    await new Promise((r) => setTimeout(r, 2_000));
    const peaks = sampler.stop();
    const web = mb(peaks.web ?? 0);
    const worker = mb(peaks.worker ?? 0);
    figures.push({
      figure: 'memory: web and worker RSS under intake load',
      database: kind,
      desk: `web ${fmt(web, 0)} MB, worker ${fmt(worker, 0)} MB`,
      target: '<= 200 MB each',
      met: web <= 200 && worker <= 200,
      data: {
        webPeakRssMb: round(web),
        workerPeakRssMb: round(worker),
        sampledDuring: 'the latency phase and a full-speed intake load',
        intakeAcceptedPerSecond: round(load.accepted, 1),
      },
    });
    log(`memory: web ${fmt(web, 0)} MB, worker ${fmt(worker, 0)} MB`);
  } finally {
    webChild.kill('SIGTERM');
    workerChild.kill('SIGTERM');
    await Promise.all([stopChild(webChild), stopChild(workerChild)]);
    await clearQueues(await queuePrefixOf(pool));
    await pool.close();
  }
}

// ── reports (issue 18) ──

async function reportsRow(dbUrl: string) {
  const pool = openPostgres(dbUrl, 2);
  try {
    const row = await reportsFigure(pool, {
      requests: SIZE2.reportRequests,
      runs: SIZE2.reportRuns,
      log,
      scanConnection: () => openPostgres(dbUrl, 1),
    });
    figures.push({ ...row, database: 'server' });
  } finally {
    await pool.close();
  }
}

// ── queue ──

async function queueFigure(kind: DbKind, host: Host) {
  const n = SIZE2.queueRows;
  log(`queue: inserting ${n.toLocaleString('en')} open requests`);
  await host.ask({ op: 'exec', sql: queueRowsSql(n) });
  // What autovacuum does soon after: the match results' trigger (migration 0019) rewrote 80,000
  // of the new rows, and until a vacuum the planner's look at the ends of an index (the newest
  // update) steps over their dead versions, which once made a page take 1.6 s.
  await host.ask({ op: 'exec', sql: 'VACUUM ANALYZE recovery_requests' });
  await host.ask({ op: 'exec', sql: 'ANALYZE' });
  const user = await host.ask({ op: 'user' });
  const cookie = await signIn(host.url, user.email, user.password);
  const [sample] = await host.query<{
    reference: string;
    email: string;
    license_number: string;
    license_key: string;
    order_number: string;
  }>(
    `SELECT reference, email, license_number, license_key, order_number FROM recovery_requests
      WHERE reference LIKE 'RD-Q%' ORDER BY id DESC LIMIT 1`,
  );
  const api = (query: string) =>
    send(`${host.url}/api/v1/tickets?${query}`, { headers: { authorization: `Bearer ${user.token}` } });
  const nextCursor = async (query: string) =>
    (JSON.parse((await api(query)).body) as { next_cursor: string | null }).next_cursor ?? '';
  const q = (text: string) => `q=${encodeURIComponent(text)}`;
  // What technicians ask for: the first page, the next one, a verdict, a search, an overdue view.
  const mixed = [
    '',
    `cursor=${await nextCursor('')}`,
    'verdict=partial',
    q(sample?.email ?? 'x@example.com'),
    'overdue=true',
    q(sample?.license_number ?? 'ABCD'),
  ];
  const rows: [string, string[]][] = [['API GET /api/v1/tickets', mixed]];
  // Each sort, both ways: the first page and the one after it.
  for (const sort of ['due', 'created', 'updated', 'verdict', 'status']) {
    const queries: string[] = [];
    for (const order of ['asc', 'desc']) {
      const first = `sort=${sort}&order=${order}`;
      queries.push(first, `${first}&cursor=${await nextCursor(first)}`);
    }
    rows.push([`API sort=${sort} (asc and desc, pages 1 and 2)`, queries]);
  }
  // Each kind of search, as a technician types it.
  const searches: [string, string[]][] = [
    ['name', [q('walker'), q('anna walker'), q('WALKER ANNA'), q('иванова'), q('müll')]],
    ['email', [q(sample?.email.toUpperCase() ?? 'x@example.com')]],
    ['licence number', [q(sample?.license_number.toLowerCase().replace(/-/g, ' ') ?? 'ABCD')]],
    [
      'licence key',
      [q(sample?.license_key.toLowerCase() ?? 'ABCD'), q(sample?.license_key.replace(/-/g, '') ?? 'ABCD')],
    ],
    ['order number', [q(sample?.order_number.toLowerCase().replace(/-/g, ' ') ?? 'ES-1')]],
    ['reference', [q(sample?.reference ?? 'RD-00000000'), q(sample?.reference.slice(3).toLowerCase() ?? '')]],
  ];
  for (const [what, queries] of searches) rows.push([`API search by ${what}`, queries]);
  // A search that found nothing would be timed as fast as an index miss: each must find its request.
  for (const [what, queries] of searches.filter(([what]) => what !== 'name'))
    for (const query of queries) {
      const { items } = JSON.parse((await api(query)).body) as { items: { reference: string }[] };
      if (!items.some((item) => item.reference === sample?.reference))
        throw new Error(`queue: the search by ${what} (${query}) did not find ${sample?.reference}`);
    }
  for (const [what, queries] of rows) {
    const seconds = queries === mixed ? SIZE2.queueSeconds : SIZE2.queueRowSeconds;
    queueRow(kind, n, what, queries, await closedLoop(1, seconds, (i) => api(queries[i % queries.length]!)));
  }
  const page = await closedLoop(1, SIZE2.queueSeconds, (i) =>
    send(`${host.url}/desk?${mixed[i % mixed.length]}`, { headers: { cookie } }),
  );
  queueRow(kind, n, 'page GET /desk', mixed, page);
}

function queueRow(
  kind: DbKind,
  n: number,
  what: string,
  queries: string[],
  run: { ms: number[]; statuses: Record<string, number> },
) {
  const l = latencyOf(run.ms);
  const bad = Object.entries(run.statuses).filter(([s]) => s !== '200');
  figures.push({
    figure: `queue ${what} with ${n.toLocaleString('en')} open requests`,
    database: kind,
    desk: `p50 ${l.p50} ms, p99 ${l.p99} ms`,
    target: 'p50 <= 30 ms, p99 <= 100 ms',
    met: l.p50 <= 30 && l.p99 <= 100 && bad.length === 0,
    data: { latencyMs: l, statuses: run.statuses, queries, connections: 1 },
  });
  log(`queue ${what}: p50 ${l.p50} ms, p99 ${l.p99} ms ${bad.length ? JSON.stringify(run.statuses) : ''}`);
}

/** n open requests, most with a match result, due over the next three days: one statement each. */
function queueRowsSql(n: number): string {
  return `
    INSERT INTO recovery_requests
      (reference, status, status_token_hash, email, name, license_number, license_key, order_number, channel, store,
       country, purchased_on, reason, desired_outcome, locale, typed, client_ip, mailbox, client_network,
       created_at, first_response_due_at, resolution_due_at)
    SELECT 'RD-Q' || lpad(g::text, 7, '0'),
           (ARRAY['triage','triage','triage','triage','waiting_on_customer','pending_approval','received'])[1 + g % 7],
           md5(g::text), 'queue' || g || '@example.com',
           -- 40 first names × 50 surnames: each surname is 2% of the queue, each full name 0.05%
           (ARRAY['Anna','Peter','Maria','John','Olga','Jürgen','Seán','Li','Fatima','Lars','Chloé','Иван',
                  'Анна','Ольга','Mehmet','Sofia','David','Emma','Noah','Mia','Lukas','Lea','Paul','Zoe',
                  'Ali','Nina','Tom','Eva','Jan','Ida','Max','Ava','Leo','Ivy','Ben','Amy','Sam','Joy',
                  'Kai','Uma'])[1 + g % 40] || ' ' ||
           (ARRAY['Walker','Müller','Иванова','Smith','García','Nguyen','Kowalski','Schmidt','Rossi',
                  'Dubois','Jansen','Novak','Petrov','Смирнова','Kim','Chen','Silva','Costa','Meyer',
                  'Weber','Wagner','Becker','Hoffmann','Schulz','Koch','Richter','Klein','Wolf','Neumann',
                  'Schwarz','Braun','Zimmermann','Hartmann','Krüger','Lange','Werner','Lehmann','Köhler',
                  'Fischer','Keller','Huber','Brown','Taylor','Wilson','Davies','Evans','Thomas','Johnson',
                  'Roberts','O''Neil'])[1 + (g / 40) % 50],
           upper(substr(md5(g::text), 1, 4) || '-' || substr(md5(g::text), 5, 6) || '-' || substr(md5(g::text), 11, 8)),
           -- the licence key from the app's licence window, as a UUID (8-4-4-4-12 hex)
           upper(md5('key' || g)::uuid::text),
           'ES-2024-' || (20000000 + g), 'estore', 'Online Store UK', 'GB', date '2023-01-01' + (g % 600),
           'lost', 'recover_code', 'en', '{}'::jsonb, '10.' || (g % 250) || '.' || (g / 250 % 250) || '.7',
           'queue' || g || '@example.com', '10.' || (g % 250) || '.0.0/16',
           now() - make_interval(secs => g % 259200),
           now() - make_interval(secs => g % 259200) + interval '8 hours',
           now() - make_interval(secs => g % 259200) + interval '72 hours'
      FROM generate_series(1, ${n}) g;
    INSERT INTO match_results (request_id, verdict, score, result)
    SELECT id, (ARRAY['strong','partial','none','conflict'])[1 + id % 4], 0.5,
           jsonb_build_object('verdict', (ARRAY['strong','partial','none','conflict'])[1 + id % 4],
                              'flags', CASE WHEN id % 3 = 0 THEN '["email_differs"]'::jsonb ELSE '[]'::jsonb END)
      FROM recovery_requests WHERE reference LIKE 'RD-Q%' AND id % 5 <> 0
    ON CONFLICT (request_id) DO NOTHING;`;
}

// ── the table ──

function report() {
  const rows = figures.map((f) => [
    f.figure,
    f.database,
    f.desk ?? '',
    f.baseline ?? '—',
    f.ratio === undefined ? '—' : f.ratio.toFixed(3),
    f.target,
    f.met === null ? 'n/a' : f.met ? 'yes' : 'NO',
  ]);
  const header = ['figure', 'database', 'desk', 'baseline (same run)', 'ratio (median)', 'target', 'met'];
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
  const notes = figures.filter((f) => f.note).map((f) => `- ${f.figure} (${f.database}): ${f.note}`);
  process.stdout.write(`\n${table}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`);
  // A run of some parts only (--only) must not overwrite the day's run of them all.
  const mode = `${QUICK ? 'quick' : 'full'}${ONLY ? `-${[...ONLY].sort().join('-')}` : ''}`;
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${startedAt.toISOString().slice(0, 10)}-${mode}.json`);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).stdout.trim();
  writeFileSync(
    `${file}`,
    `${JSON.stringify(
      {
        mode,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        commit,
        node: process.version,
        cpus: os.cpus().length,
        loadAverage: {
          before: loadBefore.map((v) => round(v, 2)),
          after: os.loadavg().map((v) => round(v, 2)),
        },
        sizes: { ...SIZE, ...SIZE2, connections: CONNECTIONS },
        figures,
        table,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`\nwritten to ${path.relative(ROOT, file)}\n`);
  if (figures.some((f) => f.met === false)) process.stdout.write('some targets are not met (see "met")\n');
}
