import { existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Db, Queryable } from './db.ts';

/**
 * Embedded PGlite lives inside one process. While the desk runs (`npm start`), it shares that
 * database with `desk` commands over a Unix socket in DATA_DIR (mode 0600: the owner only):
 * each command's queries and transactions run in the desk's own process, one at a time.
 * Newline-delimited JSON; dates travel as {"$date": iso}.
 */

type Request =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'commit' | 'rollback'; tx: number };
type Call = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;
type Response = { id: number; rows?: unknown[]; tx?: number; error?: { message: string; code?: string } };

function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : v;
  });
}

function decode(line: string): unknown {
  return JSON.parse(line, (_key, v: unknown) =>
    v && typeof v === 'object' && '$date' in v && typeof v.$date === 'string'
      ? new Date((v as { $date: string }).$date)
      : v,
  );
}

/** Serves `db` on `socketPath` until the returned stop() is called. */
export async function shareDatabase(db: Db, socketPath: string): Promise<() => Promise<void>> {
  if (existsSync(socketPath)) rmSync(socketPath);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(db, socket);
  });
  const previous = process.umask(0o177);
  await new Promise<void>((resolve, reject) => server.listen(socketPath, resolve).once('error', reject));
  process.umask(previous);
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(socketPath, { force: true });
  };
}

function serveConnection(db: Db, socket: Socket): void {
  const open = new Map<number, { tx: Queryable; finish: (commit: boolean) => void; done: Promise<void> }>();
  let nextTx = 1;
  const reply = (r: Response) => socket.writable && socket.write(`${encode(r)}\n`);
  const fail = (id: number, error: unknown) => {
    const e = error as { message?: string; code?: string };
    reply({ id, error: { message: e.message ?? String(error), code: e.code } });
  };

  // A connection's requests run in order, as a client's do on a PostgreSQL connection.
  let chain = Promise.resolve();
  createInterface({ input: socket }).on('line', (line) => {
    chain = chain.then(() => handle(decode(line) as Request)).catch(() => {});
  });
  socket.on('close', () => {
    for (const t of open.values()) t.finish(false);
  });

  async function handle(r: Request): Promise<void> {
    try {
      if (r.op === 'begin') return begin(r.id);
      if (r.op === 'commit' || r.op === 'rollback') {
        const t = open.get(r.tx);
        if (!t) throw new Error(`no open transaction ${r.tx}`);
        open.delete(r.tx);
        t.finish(r.op === 'commit');
        await t.done;
        return void reply({ id: r.id });
      }
      const target = r.tx ? open.get(r.tx)?.tx : db;
      if (!target) throw new Error(`no open transaction ${r.tx}`);
      if (r.op === 'exec') await target.exec(r.sql);
      const rows = r.op === 'query' ? await target.query(r.sql, r.params) : [];
      reply({ id: r.id, rows });
    } catch (error) {
      fail(r.id, error);
    }
  }

  function begin(id: number): void {
    const txId = nextTx++;
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    let started!: (tx: Queryable) => void;
    const ready = new Promise<Queryable>((resolve) => (started = resolve));
    const done = db
      .transaction(async (tx) => {
        started(tx);
        if (!(await decided)) throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    void ready.then((tx) => {
      open.set(txId, { tx, finish, done });
      reply({ id, tx: txId });
    });
    done.catch((error: unknown) => fail(id, error));
  }
}

class RolledBack extends Error {}

/** A Db whose every call runs in the process that shares the database. */
export async function connectSharedDatabase(socketPath: string): Promise<Db> {
  const socket = createConnection(socketPath);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  createInterface({ input: socket }).on('line', (line) => {
    const r = decode(line) as Response;
    pending.get(r.id)?.resolve(r);
    pending.delete(r.id);
  });
  socket.on('close', () => {
    for (const p of pending.values()) p.reject(new Error('the desk closed the shared database'));
    pending.clear();
  });

  async function call(request: Call): Promise<Response> {
    const id = nextId++;
    const answer = new Promise<Response>((resolve, reject) => pending.set(id, { resolve, reject }));
    socket.write(`${encode({ ...request, id })}\n`);
    const r = await answer;
    if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r;
  }
  const on = (tx?: number): Queryable => ({
    query: async (sql, params) => (await call({ op: 'query', sql, params, tx })).rows as never[],
    exec: async (sql) => void (await call({ op: 'exec', sql, tx })),
  });

  return {
    kind: 'pglite',
    ...on(),
    async transaction(fn) {
      const { tx } = await call({ op: 'begin' });
      try {
        const result = await fn(on(tx));
        await call({ op: 'commit', tx: tx! });
        return result;
      } catch (error) {
        await call({ op: 'rollback', tx: tx! }).catch(() => {});
        throw error;
      }
    },
    close: () => new Promise<void>((resolve) => socket.end(resolve)),
  };
}
