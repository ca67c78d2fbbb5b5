import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FaultDesk, file, requestFor, steadyIntake } from './helpers/fault-desk.ts';
import type { DeskProcess } from './helpers/processes.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait.ts';

// The web process reaches PostgreSQL through a TCP proxy of the test's own; cutting the proxy
// drops every connection and refuses new ones, as a database host going away does, while the
// shared server keeps running for everyone else.

let desk: FaultDesk | undefined;
let proxy: TcpProxy;
let web: DeskProcess;
before(async () => {
  desk = await FaultDesk.start();
  const direct = new URL(desk.database.url);
  proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(desk.database.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  web = await desk.spawn('web', { DATABASE_URL: viaProxy.toString() });
});
after(async () => {
  await proxy?.cut();
  await desk?.stop();
});

async function uploadDuringOutage(baseUrl: string) {
  const form = new FormData();
  for (const [k, v] of Object.entries(requestFor(null))) form.set(k, String(v));
  form.set(
    'attachment',
    new Blob([Buffer.from('%PDF-1.4\n%\u00e2\u00e3\n1 0 obj<<>>endobj\n%%EOF\n')]),
    'proof.pdf',
  );
  const res = await fetch(`${baseUrl}/recover`, { method: 'POST', body: form, redirect: 'manual' });
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

describe('when PostgreSQL becomes unreachable during intake', { timeout: 180_000 }, () => {
  it('then intake answers 503 with Retry-After, stores nothing half-way, and recovers by itself when the database returns', async () => {
    assert.ok(desk, 'the fault desk started');
    const d = desk;
    const purchase = await d.purchase();
    const intake = steadyIntake(
      () => web.url,
      () => requestFor(purchase),
      { parallel: 3, pauseMs: 20 },
    );
    try {
      await waitFor(() => intake.accepted().length >= 5, 60_000, 'intake under way');

      await proxy.cut();
      const cutAt = intake.answers.length;
      await waitFor(
        () => intake.answers.slice(cutAt).filter((a) => a.status === 503).length >= 5,
        60_000,
        'intake answering 503 while the database is away',
      );
      const ready = await fetch(`${web.url}/readyz`);
      assert.equal(ready.status, 503, '/readyz tells the load balancer');
      const upload = await uploadDuringOutage(web.url);
      assert.equal(upload.status, 503, 'the form too');
      assert.ok(upload.retryAfter, 'with Retry-After');

      await proxy.restore();
      const restoredAt = intake.answers.length;
      await waitFor(
        () => intake.answers.slice(restoredAt).filter((a) => a.status === 201).length >= 5,
        60_000,
        'intake accepting again, without a restart',
      );
    } finally {
      await intake.stop();
    }
    const answers = intake.answers;

    const statuses = [...new Set(answers.map((a) => a.status))].sort();
    assert.deepEqual(
      statuses,
      [201, 503],
      `only 201 and 503 (${JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 503).slice(0, 3))})`,
    );
    for (const a of answers.filter((x) => x.status === 503)) assert.ok(a.retryAfter, '503 with Retry-After');

    // Whole or nothing: each stored request has its event, acknowledgement and match job.
    const rows = await d.db.query<{ reference: string; events: number; emails: number; jobs: number }>(
      `SELECT r.reference,
              (SELECT count(*)::int FROM request_events e WHERE e.request_id = r.id AND e.type = 'received') AS events,
              (SELECT count(*)::int FROM emails e WHERE e.request_id = r.id) AS emails,
              (SELECT count(*)::int FROM outbox o WHERE o.job_name = 'match' AND (o.payload->>'requestId')::bigint = r.id) AS jobs
         FROM recovery_requests r`,
    );
    for (const r of rows)
      assert.deepEqual([r.events, r.emails, r.jobs], [1, 1, 1], `${r.reference} is whole`);
    const stored = new Set(rows.map((r) => r.reference));
    for (const reference of intake.accepted())
      assert.ok(stored.has(reference), `${reference} (201) is stored`);
    const [orphans] = await d.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM emails WHERE request_id IS NOT NULL AND request_id NOT IN (SELECT id FROM recovery_requests)`,
    );
    assert.equal(orphans!.n, 0);
    const uploads = path.join(d.dataDir, 'uploads');
    const files = (() => {
      try {
        return readdirSync(uploads, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
      } catch {
        return [];
      }
    })();
    assert.deepEqual(
      files.map((f) => f.name),
      [],
      'no upload left behind by the refused form',
    );
    const again = await file(web.url, requestFor(purchase));
    assert.equal(again.status, 201);
  });
});
