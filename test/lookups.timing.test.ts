// "Email me my codes" must be no oracle (SPEC §13): an address with purchases and one without
// get the same answer in the same time. The request never reads purchases (the job does), so the
// two paths run the same code; this test guards that, by timing many interleaved lookups.
//
// The threshold, 2 ms between medians: an attacker times the answer across a network whose jitter
// is itself milliseconds, and averaging it away takes many samples of one address, which the
// limits do not allow (3 lookups of a mailbox a day, 10 an hour per client address). A path that
// read the mailbox's purchases, or rendered and sent the email inside the request, would cost
// several milliseconds more on this machine and fail here.
//
// The workers do not run in this desk: the job's work starts after the answer, in production in
// the worker processes; run in this process, a known address's job (its rendering, its SMTP send)
// would slow whichever request came next, which is load, not the answer's own time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { after, before, it } from 'node:test';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { insertPurchase } from './helpers/purchases.ts';

const RUNS = 200;
const WARM_UP = 30;
const THRESHOLD_MS = 2;

let desk: TestDesk;
let server: Server;
let base: string;
before(async () => {
  desk = await startDesk({ workers: false });
  server = desk.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await desk.stop();
});

/** One lookup from its own client address: its status, body and time in milliseconds. */
async function timedLookup(email: string, client: string) {
  const started = process.hrtime.bigint();
  const res = await fetch(`${base}/api/v1/code-lookups`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
    body: JSON.stringify({ email }),
  });
  const body = await res.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { status: res.status, body, ms };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return (sorted[Math.floor(middle - 0.5)]! + sorted[Math.ceil(middle - 0.5)]!) / 2;
};

it(`when ${RUNS} known and ${RUNS} unknown addresses are looked up in turn, then every answer is the same and their median times differ by less than ${THRESHOLD_MS} ms`, async (t) => {
  const tag = randomBytes(3).toString('hex');
  const known: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const email = `buyer${i}.${tag}@example.com`;
    await insertPurchase(desk.base.db, desk.base.config.secretKey, { purchaser_email: email });
    known.push(email);
  }
  const unknown = known.map((_, i) => `nobody${i}.${tag}@example.com`);
  for (let i = 0; i < WARM_UP; i++) await timedLookup(`warm${i}.${tag}@example.com`, `10.200.0.${i + 1}`);

  const times = { known: [] as number[], unknown: [] as number[] };
  const answers = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    // Each pair from one client address of its own, the order alternating, so neither side is
    // always the one after a pause.
    const client = `10.201.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const pair = i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
    for (const side of pair) {
      const { status, body, ms } = await timedLookup(side === 'known' ? known[i]! : unknown[i]!, client);
      answers.add(`${status} ${body}`);
      times[side].push(ms);
    }
  }

  assert.equal(answers.size, 1, `one answer for all: ${[...answers].join(' | ')}`);
  assert.match([...answers][0]!, /^202 /);
  const difference = Math.abs(median(times.known) - median(times.unknown));
  t.diagnostic(
    `median ${median(times.known).toFixed(3)} ms known, ${median(times.unknown).toFixed(3)} ms unknown`,
  );
  assert.ok(
    difference < THRESHOLD_MS,
    `medians ${median(times.known).toFixed(3)} ms (known) and ${median(times.unknown).toFixed(3)} ms (unknown) differ by ${difference.toFixed(3)} ms`,
  );
  const [lookups] = await desk.base.db.query<{ n: number }>('SELECT count(*)::int AS n FROM code_lookups');
  assert.equal(lookups!.n, WARM_UP + 2 * RUNS, 'each lookup stored, known or not');
});
