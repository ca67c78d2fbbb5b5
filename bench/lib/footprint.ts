/**
 * The desk as a new user meets it: `npm start` on the embedded defaults (no DATABASE_URL), from an
 * empty DATA_DIR to `/readyz` 200 (first start), then again on the same DATA_DIR (restart), and the
 * memory of its whole process tree (PSS, so pages shared between the desk's processes count once)
 * after `desk demo` and a run of recovery requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/redis/redis-server.ts';
import type { RequestBody } from './data.ts';
import { json, send } from './http.ts';
import { ROOT } from './processes.ts';

export interface Footprint {
  firstStartMs: number;
  restartMs: number;
  /** PSS of the whole process tree of `npm start`, after demo and requests, in bytes. */
  pss: number;
  /** PSS per process name (node, postgres, …), in bytes. */
  pssByProcess: Record<string, number>;
  requests: number;
}

/** The command `npm start` runs (package.json's `start` script, without npm around it). */
function startCommand(): string[] {
  const scripts = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const words = scripts.start!.split(/\s+/);
  return [process.execPath, ...words.slice(1)];
}

export async function measureFootprint(options: {
  dataDir: string;
  env: Record<string, string | undefined>;
  bodies: RequestBody[];
  logFile: string;
}): Promise<Footprint> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o755 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...options.env, DATABASE_URL: undefined, DATA_DIR: options.dataDir, PORT: String(port) };
  const first = await startDesk(env, url, options.logFile);
  let tree: { total: number; byName: Record<string, number> };
  try {
    await runToEnd(['src/cli/desk.ts', 'demo'], env, options.logFile);
    for (const body of options.bodies) {
      const reply = await send(`${url}/api/v1/recovery-requests`, { method: 'POST', ...json(body) });
      if (reply.status !== 201 && reply.status !== 202) throw new Error(`intake answered ${reply.status}`);
    }
    const postmaster = postmasterOf(options.dataDir);
    await settle([first.child.pid!, postmaster]);
    tree = treePss([first.child.pid!, postmaster]);
  } finally {
    await stopTree(first.child);
  }
  const again = await startDesk(env, url, options.logFile);
  await stopTree(again.child);
  return {
    firstStartMs: first.ms,
    restartMs: again.ms,
    pss: tree.total,
    pssByProcess: tree.byName,
    requests: options.bodies.length,
  };
}

async function startDesk(env: Record<string, string | undefined>, url: string, logFile: string) {
  const [node, ...args] = startCommand();
  const log = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(node!, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}); see ${logFile}`);
    const ready = await send(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return { child, ms: performance.now() - started };
    if (performance.now() - started > 180_000)
      throw new Error(`npm start not ready in 180 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function runToEnd(args: string[], env: Record<string, string | undefined>, logFile: string): Promise<void> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}; see ${logFile}`)),
    ),
  );
}

/**
 * The embedded PostgreSQL server runs in the background (pg_ctl), outside node's own tree: its
 * postmaster and backends count as part of the desk.
 */
function postmasterOf(dataDir: string): number {
  return Number(
    readFileSync(path.join(dataDir, 'postgres', 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
}

/** Waits until the trees have used under 2% of a core for a second (matching and email are done). */
async function settle(roots: number[]): Promise<void> {
  let last = treeCpu(roots);
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = treeCpu(roots);
    if (now - last < 2) return;
    last = now;
  }
}

function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** CPU time of the process trees in clock ticks (1/100 s). */
function treeCpu(roots: number[]): number {
  let ticks = 0;
  for (const p of roots.flatMap((pid) => [pid, ...descendants(pid)])) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks;
}

function treePss(roots: number[]): { total: number; byName: Record<string, number> } {
  const byName: Record<string, number> = {};
  let total = 0;
  for (const p of roots.flatMap((pid) => [pid, ...descendants(pid)])) {
    try {
      const kb = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      const name = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      byName[name] = (byName[name] ?? 0) + kb * 1024;
      total += kb * 1024;
    } catch {
      // gone
    }
  }
  return { total, byName };
}

async function stopTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
