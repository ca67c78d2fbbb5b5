// `npm run soak [-- --minutes N]`: steady intake and decisions against two web and two worker
// processes while faults are made real at random (workers killed or stopped, Redis stopped,
// SMTP refusing or dropping connections, a web process restarted). At the end: the figures,
// and a non-zero exit if anything was lost, sent twice, or a code was found outside the database.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FaultDesk, requestFor } from '../test/helpers/fault-desk.ts';
import type { DeskProcess } from '../test/helpers/processes.ts';
import type { TestPurchase } from '../test/helpers/purchases.ts';
import { createUserWithToken } from '../test/helpers/users.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { resendFailed, scanForCodes, soakFigures } from './checks.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error('--minutes must be a positive number');

const log = (message: string) =>
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;

const desk = await FaultDesk.start();
const webs: DeskProcess[] = await Promise.all([desk.spawn('web'), desk.spawn('web')]);
const workers: DeskProcess[] = await Promise.all([desk.spawn('worker'), desk.spawn('worker')]);
const purchases: TestPurchase[] = [];
for (let i = 0; i < 300; i++) purchases.push(await desk.purchase());
const tech = await createUserWithToken(desk.db, 'technician');
log(`desk up: 2 web, 2 worker processes; ${purchases.length} purchases; running for ${minutes} min`);

const accepted: string[] = [];
let intakeAnswers = 0;
let decisionsPosted = 0;
const faults: string[] = [];
let running = true;

async function intakeLane() {
  while (running) {
    const web = pick(webs.filter((w) => w.running && w.port > 0));
    try {
      const res = await fetch(`${web.url}/api/v1/recovery-requests`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(requestFor(pick(purchases))),
        signal: AbortSignal.timeout(30_000),
      });
      intakeAnswers++;
      if (res.status === 201) accepted.push(((await res.json()) as { reference: string }).reference);
      else await res.body?.cancel();
    } catch {
      // a web process stopping: the request was not accepted
    }
    await sleep(150);
  }
}

async function decisionLane() {
  while (running) {
    await sleep(1_000);
    const ready = await desk.db
      .query<{ reference: string }>(
        `SELECT reference FROM recovery_requests r JOIN match_results m ON m.request_id = r.id
          WHERE r.status = 'triage' AND m.verdict = 'strong' ORDER BY random() LIMIT 3`,
      )
      .catch(() => []);
    await Promise.all(
      ready.map(async ({ reference }) => {
        const key = randomBytes(8).toString('hex');
        // A double click landing on both web processes: one acts, the other gets its answer.
        await Promise.all(
          webs
            .filter((w) => w.running && w.port > 0)
            .map((web) =>
              fetch(`${web.url}/api/v1/tickets/${reference}/decisions`, {
                method: 'POST',
                headers: {
                  'Content-Type': 'application/json',
                  Authorization: `Bearer ${tech.token}`,
                  'Idempotency-Key': key,
                },
                body: JSON.stringify({ type: 'reissue', mode: pick(['resend', 'replace']) }),
                signal: AbortSignal.timeout(30_000),
              })
                .then((r) => r.body?.cancel())
                .catch(() => {}),
            ),
        );
        decisionsPosted++;
      }),
    );
  }
}

/** Replaces a process in its list by a fresh one of the same kind. */
async function restart(list: DeskProcess[], old: DeskProcess) {
  const fresh = await desk.spawn(old.kind);
  list.splice(list.indexOf(old), 1, fresh);
}

const FAULTS: Record<string, () => Promise<void>> = {
  'worker SIGKILL': async () => {
    const victim = pick(workers);
    await victim.kill('SIGKILL');
    await sleep(2_000);
    await restart(workers, victim);
  },
  'worker SIGTERM': async () => {
    const victim = pick(workers);
    const end = await victim.kill('SIGTERM');
    if (end.code !== 0) throw new Error(`worker did not stop cleanly: ${JSON.stringify(end)}`);
    await restart(workers, victim);
  },
  'web SIGTERM': async () => {
    const victim = pick(webs);
    const end = await victim.kill('SIGTERM');
    if (end.code !== 0) throw new Error(`web did not stop cleanly: ${JSON.stringify(end)}`);
    await restart(webs, victim);
  },
  'Redis stopped 10 s': async () => {
    await desk.redis.stop();
    await sleep(10_000);
    await desk.redis.start();
  },
  'SMTP failing at random 20 s': async () => {
    desk.smtp.failAtRandom(0.3);
    await sleep(20_000);
    desk.smtp.failAtRandom(0);
  },
  // New connections only: cutting one mid-message after the server has taken it is SMTP's own
  // window for a duplicate (RFC 5321 §4.1.1.4), tested apart in faults.smtp.test.ts.
  'SMTP connections dropped and silent': async () => {
    desk.smtp.failNewConnections('drop', 'silent', 'drop');
    await sleep(3_000);
  },
};

async function faultLane() {
  await sleep(10_000);
  while (running) {
    const name = pick(Object.keys(FAULTS));
    log(`fault: ${name}`);
    await FAULTS[name]!();
    faults.push(name);
    await sleep(8_000 + Math.random() * 10_000);
  }
}

const lanes = [intakeLane(), intakeLane(), decisionLane(), faultLane()];
const deadline = Date.now() + minutes * 60_000;
while (Date.now() < deadline) {
  await sleep(15_000);
  log(`accepted ${accepted.length}, decisions ${decisionsPosted}, faults ${faults.length}`);
}
running = false;
await Promise.all(lanes);
log('load stopped; waiting for the desk to finish what it accepted');

let exitCode: number;
try {
  await waitFor(
    async () => {
      const [row] = await desk.db.query<{ open: number }>(
        `SELECT (SELECT count(*)::int FROM recovery_requests WHERE status = 'received')
              + (SELECT count(*)::int FROM emails WHERE status IN ('pending', 'sending'))
              + (SELECT count(*)::int FROM outbox WHERE dispatched_at IS NULL) AS open`,
      );
      return row!.open === 0;
    },
    300_000,
    'every accepted request matched and every email settled',
  ).catch((error: unknown) => log(String(error)));
  const resent = await resendFailed(desk, webs[0]!);
  if (resent > 0) log(`resent ${resent} emails the SMTP server refused for good (5xx), from the console`);
  const figures = await soakFigures(desk, accepted, purchases, intakeAnswers, faults);
  const codes = await scanForCodes(desk, purchases);
  const report = { ...figures, codes_outside_database: codes.found, places_scanned: codes.scanned };
  process.stdout.write(`\nSOAK RESULT\n${JSON.stringify(report, null, 2)}\n`);
  const failed =
    report.requests_lost > 0 || report.emails_duplicated > 0 || report.codes_outside_database > 0;
  exitCode = failed ? 1 : 0;
  process.stdout.write(
    failed ? 'FAILED: a must-be-zero figure is not zero\n' : 'OK: nothing lost, sent twice or exposed\n',
  );
} finally {
  await desk.stop();
}
process.exit(exitCode);
