import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FaultDesk, file, requestFor } from './helpers/fault-desk.ts';
import { ROOT, type DeskProcess } from './helpers/processes.ts';
import { waitFor } from './helpers/wait.ts';

// Production runs the compiled JavaScript (`npm run build`, then `start:web` / `start:worker`).
// This builds with the same tsconfig into a folder of its own (inside the project, as dist/ is, so
// the compiled code finds templates/, public/ and the migrations the way dist/ does) and runs a
// request through a compiled web and a compiled worker process.

const OUT = path.join(ROOT, 'test-artifacts', `build-${process.pid}`);
let desk: FaultDesk | undefined;
let skip: string | false = false;
let web: DeskProcess;

before(async () => {
  const started = await FaultDesk.start();
  if (typeof started === 'string') return void (skip = started);
  desk = started;
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', OUT], {
    cwd: ROOT,
  });
  web = await desk.spawn('web', {}, OUT);
  await desk.spawn('worker', {}, OUT);
});
after(async () => {
  await desk?.stop();
  rmSync(OUT, { recursive: true, force: true });
});

describe('the compiled desk', { timeout: 240_000 }, () => {
  it('when built and started from JavaScript, then the web side answers and a request gets its acknowledgement email', async (t) => {
    if (skip || !desk) return t.skip(String(skip));
    assert.ok(existsSync(path.join(OUT, 'src', 'web.js')), 'src/web.ts compiled');
    assert.ok(!existsSync(path.join(OUT, 'test')), 'only src/ and workers/ are built');
    const health = await fetch(`${web.url}/healthz`);
    assert.equal(health.status, 200);
    const css = await fetch(`${web.url}/static/desk.css`);
    assert.equal(css.status, 200, 'public/ is served');

    const filed = await file(web.url, requestFor(null));
    assert.equal(filed.status, 201, filed.error);
    const smtp = desk.smtp;
    await waitFor(() => smtp.withSubject(filed.reference!).length === 1, 30_000, 'the acknowledgement');
    const [mail] = smtp.withSubject(filed.reference!);
    assert.match(mail!.parsed.text ?? '', /\/requests\/RD-[0-9A-Z]{8}\?token=/, 'rendered from templates/');
  });
});
