/** Child processes of the bench: started with tsx, talked to over IPC, their memory read from /proc. */
import { fork, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostCommand, HostHello, HostReply, HostResults } from './host-protocol.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The node options an npm script starts its process with (`"start:web": "node --max-old-space-size=128
 * --import tsx src/web.ts"` gives the heap limit), so the bench runs processes as they are deployed.
 */
export function scriptNodeOptions(script: string): string[] {
  const scripts = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const words = (scripts[script] ?? '').split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm script ${script} does not start node`);
  return words.slice(1, words.indexOf('--import'));
}

/** Starts `script` (relative to the repository) under node --import tsx, output to `logFile`. */
export function startNode(
  script: string,
  env: Record<string, string | undefined>,
  logFile: string,
  nodeOptions: string[] = [],
): ChildProcess {
  const log = openSync(logFile, 'a');
  return fork(path.join(ROOT, script), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx', ...nodeOptions],
    stdio: ['ignore', log, log, 'ipc'],
  });
}

/** The first IPC message, or the child's exit as an error naming its log. */
export function firstMessage<T>(child: ChildProcess, what: string, logFile: string, timeoutMs = 180_000) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in time; see ${logFile}`)),
      timeoutMs,
    );
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready; see ${logFile}`));
    });
  });
}

/** Stops a child: closes its IPC channel (it stops itself), then SIGTERM, then SIGKILL. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Resident memory now and at its peak (bytes), from /proc/<pid>/status; undefined once gone. */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** Samples the resident memory of some processes every `everyMs` until stop(); the peaks seen. */
export function sampleMemory(pids: Record<string, number>, everyMs = 100) {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const timer = setInterval(() => {
    for (const [name, pid] of Object.entries(pids)) {
      const m = memoryOf(pid);
      if (m) peak[name] = Math.max(peak[name]!, m.rss);
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** The desk host (bench/desk-host.ts): one command at a time over IPC. */
export class Host {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly child: ChildProcess,
    readonly hello: HostHello,
  ) {
    child.on('message', (message: HostReply) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`desk host: ${message.error}`));
    });
    child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`desk host exited (${code})`));
      this.waiting.clear();
    });
  }

  static async start(
    env: Record<string, string | undefined>,
    logFile: string,
    nodeOptions: string[] = [],
  ): Promise<Host> {
    const child = startNode('bench/desk-host.ts', env, logFile, nodeOptions);
    const hello = await firstMessage<HostHello>(child, 'the desk host', logFile);
    return new Host(child, hello);
  }

  get url(): string {
    return `http://127.0.0.1:${this.hello.port}`;
  }

  ask<C extends HostCommand>(command: C): Promise<HostResults[C['op']]> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]> {
    return this.ask({ op: 'query', sql, params }) as Promise<Row[]>;
  }

  stop(): Promise<void> {
    return stopChild(this.child, 60_000);
  }
}
