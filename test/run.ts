/**
 * `npm test`: runs every test file (or the files given) with node's test runner. With
 * DATABASE_URL unset it first starts one embedded PostgreSQL server for the whole run, in a
 * temporary folder, and stops it at the end; each test file makes its own databases on it.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateServer } from './helpers/database.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(here)
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => path.join('test', f));
const databaseUrl = process.env.DATABASE_URL ?? (await startPrivateServer());
const runner = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, DATABASE_URL: databaseUrl } },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => runner.kill(signal));
runner.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
