import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { redisProcessId } from './redis.ts';

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

class PortTakenError extends Error {}

/**
 * A private redis-server child process on 127.0.0.1: the desk's own under `npm start`
 * when no Redis answers, and each test file's own. It can be stopped and started again on
 * the same port (tests of Redis outages).
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly persistent: boolean,
  ) {}

  static async start(options: { dir: string; persistent?: boolean; port?: number }): Promise<RedisServer> {
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(
        options.port ?? (await freePort()),
        options.dir,
        options.persistent ?? false,
      );
      try {
        await server.start();
        return server;
      } catch (error) {
        // A free port can be taken by another process between freePort() and redis-server's bind
        // (test files start their own at the same time): another free port, then.
        if (options.port !== undefined || !(error instanceof PortTakenError) || attempt === 5) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        this.persistent ? 'yes' : 'no',
        '--logfile',
        '',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`))),
    );
    exited.catch(() => {});
    // Only our own child counts: another redis-server already on the port answers too, while
    // ours exits for want of it (two tests that share a Redis by accident hang once it stops).
    for (let i = 0; i < 100; i++) {
      const pid = await Promise.race([redisProcessId(this.url, 200), exited]);
      if (pid === child.pid) return;
      if (pid !== undefined) {
        child.kill('SIGTERM');
        throw new PortTakenError(`port ${this.port} is taken by another redis-server (pid ${pid})`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on port ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    // Gone already (exited, or killed by a signal, which leaves exitCode null): no 'exit' will come.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
