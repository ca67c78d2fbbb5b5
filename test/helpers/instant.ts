import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { TestDesk } from './desk.ts';
import type { TestPurchase } from './purchases.ts';
import { validRequest } from './desk.ts';
import { waitFor } from './wait.ts';

/** A request with the purchase's own details: the matcher gives it `strong`. */
export function claimOf(p: TestPurchase, overrides: Record<string, unknown> = {}) {
  return validRequest({
    email: p.purchaser_email,
    name: p.purchaser_name,
    license_number: p.license_number,
    order_number: p.order_number,
    channel: p.channel,
    store: p.store,
    country: p.country,
    purchased_on: p.purchased_at,
    locale: 'en',
    ...overrides,
  });
}

/** A client address of its own for each filing, so that many filings raise no `velocity` flag. */
export function someClientAddress(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${(c! % 250) + 1}`;
}

/** Files through the API (from an address of its own) and waits until the matcher has stored a verdict. */
export async function fileAndMatch(desk: TestDesk, body: Record<string, unknown>) {
  const res = await request(desk.app)
    .post('/api/v1/recovery-requests')
    .set('X-Forwarded-For', someClientAddress())
    .send(body)
    .expect(201);
  const reference = res.body.reference as string;
  let id = 0;
  await waitFor(
    async () => {
      const [row] = await desk.base.db.query<{ id: number; status: string }>(
        'SELECT id, status FROM recovery_requests WHERE reference = $1',
        [reference],
      );
      id = row?.id ?? 0;
      return !!row && row.status !== 'received';
    },
    15_000,
    `${reference} matched`,
  );
  return { id, reference };
}

/** The request's status, its history (actor, type, data) and how many code emails it queued. */
export async function stateOf(desk: TestDesk, id: number) {
  const [row] = await desk.base.db.query<{ status: string; codes: number }>(
    `SELECT status, (SELECT count(*)::int FROM emails e WHERE e.request_id = r.id AND e.template = 'reissue-code') AS codes
       FROM recovery_requests r WHERE id = $1`,
    [id],
  );
  const events = await desk.base.db.query<{ actor: string; type: string; data: Record<string, unknown> }>(
    'SELECT actor, type, data FROM request_events WHERE request_id = $1 ORDER BY id',
    [id],
  );
  return { ...row!, events };
}

/** Mails the SMTP sink got that carry this code. */
export function mailsWithCode(desk: TestDesk, code: string) {
  return desk.smtp.received.filter((m) => `${m.parsed.text ?? ''}${m.parsed.html ?? ''}`.includes(code));
}
