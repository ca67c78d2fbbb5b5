// The soak's end-of-run checks: what was lost, sent twice, or left where a code must not be.
import { Redis } from 'ioredis';
import request from 'supertest';
import type { FaultDesk } from '../test/helpers/fault-desk.ts';
import type { DeskProcess } from '../test/helpers/processes.ts';
import type { TestPurchase } from '../test/helpers/purchases.ts';
import { csrfFrom } from '../test/helpers/session.ts';
import { createUserWithToken } from '../test/helpers/users.ts';
import { waitFor } from '../test/helpers/wait.ts';

const CODE_SHAPE = /\b[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b/g;

/** Emails the SMTP server refused for good (5xx) are sent again from the console, as a person would. */
export async function resendFailed(desk: FaultDesk, web: DeskProcess): Promise<number> {
  const failed = await desk.db.query<{ id: number }>(`SELECT id FROM emails WHERE status = 'failed'`);
  if (failed.length === 0) return 0;
  const tech = await createUserWithToken(desk.db, 'technician');
  const agent = request.agent(web.url);
  const form = await agent.get('/desk/sign-in');
  await agent
    .post('/desk/sign-in')
    .type('form')
    .send({ email: tech.user.email, password: tech.password, _csrf: csrfFrom(form.text) });
  const csrf = csrfFrom((await agent.get('/desk')).text);
  for (const { id } of failed)
    await agent.post(`/desk/emails/${id}/resend`).type('form').send({ _csrf: csrf });
  await waitFor(
    async () =>
      (await desk.db.query(`SELECT 1 FROM emails WHERE status IN ('pending', 'sending')`)).length === 0,
    180_000,
    'the resent emails settled',
  ).catch(() => {});
  return failed.length;
}

export async function soakFigures(
  desk: FaultDesk,
  accepted: string[],
  purchases: TestPurchase[],
  intakeAnswers: number,
  faults: string[],
) {
  const rows = await desk.db.query<{
    reference: string;
    status: string;
    match_results: number;
    matched_events: number;
    acks: number;
    codes_sent: number;
  }>(
    `SELECT r.reference, r.status,
            (SELECT count(*)::int FROM match_results m WHERE m.request_id = r.id) AS match_results,
            (SELECT count(*)::int FROM request_events e WHERE e.request_id = r.id AND e.type = 'matched') AS matched_events,
            (SELECT count(*)::int FROM emails e WHERE e.request_id = r.id AND e.template = 'request-received') AS acks,
            (SELECT count(*)::int FROM request_events e WHERE e.request_id = r.id AND e.type = 'code_sent') AS codes_sent
       FROM recovery_requests r WHERE r.reference = ANY($1::text[])`,
    [accepted],
  );
  const stored = new Map(rows.map((r) => [r.reference, r]));
  const lost = accepted.filter((reference) => {
    const r = stored.get(reference);
    return !r || r.status === 'received' || r.match_results !== 1 || r.matched_events !== 1 || r.acks !== 1;
  });
  const emails = await desk.db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM emails GROUP BY status',
  );
  const byStatus = Object.fromEntries(emails.map((e) => [e.status, e.n]));
  const seen = new Map<string, number>();
  for (const m of desk.smtp.received) {
    const id = m.parsed.messageId ?? '';
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const faultCounts: Record<string, number> = {};
  for (const f of faults) faultCounts[f] = (faultCounts[f] ?? 0) + 1;
  return {
    faults_survived: faults.length,
    faults: faultCounts,
    intake_answers: intakeAnswers,
    requests_accepted: accepted.length,
    requests_lost: lost.length,
    lost_references: lost.slice(0, 10),
    requests_resolved_by_decision: rows.filter((r) => r.codes_sent > 0).length,
    decisions_acted_twice: rows.filter((r) => r.codes_sent > 1).length,
    emails_by_status: byStatus,
    emails_received_by_smtp: desk.smtp.received.length,
    emails_duplicated: [...seen.values()].filter((n) => n > 1).length,
    smtp_attempts: desk.smtp.attempts,
    purchases: purchases.length,
  };
}

/**
 * Every activation code the run knows (the purchases' own and each code that reached the SMTP
 * server, which includes replacements), and anything shaped like one, looked for in every Redis
 * key and value and every log line of every process.
 */
export async function scanForCodes(desk: FaultDesk, purchases: TestPurchase[]) {
  const known = new Set(purchases.map((p) => p.activation_code));
  for (const m of desk.smtp.received)
    for (const c of (m.parsed.text ?? '').match(CODE_SHAPE) ?? []) known.add(c);
  const places: string[] = [...desk.logs()];
  const redis = new Redis(desk.redis.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) places.push(key, ...(await valuesOf(redis, key)));
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  let found = 0;
  for (const text of places) {
    const shaped = text.match(CODE_SHAPE) ?? [];
    if (shaped.length > 0 || [...known].some((c) => text.includes(c))) found++;
  }
  return { found, scanned: places.length, codes_known: known.size };
}

async function valuesOf(redis: Redis, key: string): Promise<string[]> {
  switch (await redis.type(key)) {
    case 'string':
      return [(await redis.get(key)) ?? ''];
    case 'hash':
      return Object.entries(await redis.hgetall(key)).flat();
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1');
    case 'stream':
      return (await redis.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields]);
    default:
      return [];
  }
}
