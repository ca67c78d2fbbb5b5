import request from 'supertest';
import type { ReceivedMail } from './smtp.ts';
import { startDesk, validRequest, type TestDesk } from './desk.ts';
import { insertPurchase, type TestPurchase } from './purchases.ts';
import { waitFor } from './wait.ts';

/** A desk with workers (matching, email) and no intake limits, for the decision tests. */
export function startDecisionDesk(): Promise<TestDesk> {
  return startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
}

export interface FiledTicket {
  id: number;
  reference: string;
  /** The status token of the acknowledgement's link. */
  token: string;
  email: string;
}

/**
 * Files a request through the API with the purchase's own details (so the real matcher settles on
 * that purchase), or with `overrides`, and waits until the matcher has moved it to triage.
 */
export async function fileMatchedRequest(
  desk: TestDesk,
  purchase: TestPurchase | null,
  overrides: Record<string, unknown> = {},
): Promise<FiledTicket> {
  const fields = validRequest({
    ...(purchase
      ? {
          email: purchase.purchaser_email,
          name: purchase.purchaser_name,
          license_number: purchase.license_number,
          order_number: purchase.order_number,
          channel: purchase.channel,
          store: purchase.store,
          country: purchase.country,
          purchased_on: purchase.purchased_at,
        }
      : { license_number: '0000-000000-00000000' }),
    locale: 'en',
    ...overrides,
  });
  const res = await request(desk.app).post('/api/v1/recovery-requests').send(fields).expect(201);
  const reference = res.body.reference as string;
  let id = 0;
  await waitFor(
    async () => {
      const [row] = await desk.base.db.query<{ id: number; status: string }>(
        'SELECT id, status FROM recovery_requests WHERE reference = $1',
        [reference],
      );
      id = row?.id ?? 0;
      return row?.status === 'triage';
    },
    15_000,
    `${reference} in triage`,
  );
  return { id, reference, token: res.body.token as string, email: fields.email as string };
}

/** A purchase with fresh identifiers (see helpers/purchases.ts); overrides set any column. */
export function purchase(desk: TestDesk, overrides: Partial<Record<string, string | number | null>> = {}) {
  return insertPurchase(desk.base.db, desk.base.config.secretKey, overrides);
}

export function postDecision(
  desk: TestDesk,
  apiToken: string,
  reference: string,
  body: Record<string, unknown>,
  idempotencyKey?: string,
) {
  const req = request(desk.app)
    .post(`/api/v1/tickets/${reference}/decisions`)
    .set('Authorization', `Bearer ${apiToken}`);
  return (idempotencyKey ? req.set('Idempotency-Key', idempotencyKey) : req).send(body);
}

export function postApproval(
  desk: TestDesk,
  apiToken: string,
  approvalId: number,
  verdict: 'approve' | 'reject',
) {
  return request(desk.app)
    .post(`/api/v1/approvals/${approvalId}/${verdict}`)
    .set('Authorization', `Bearer ${apiToken}`)
    .send({});
}

export function getTicket(desk: TestDesk, apiToken: string, reference: string) {
  return request(desk.app).get(`/api/v1/tickets/${reference}`).set('Authorization', `Bearer ${apiToken}`);
}

/** The request's status and history, straight from the database. */
export async function ticketRow(desk: TestDesk, id: number) {
  const [row] = await desk.base.db.query<{ status: string; claimed_by: number | null }>(
    'SELECT status, claimed_by FROM recovery_requests WHERE id = $1',
    [id],
  );
  const events = await desk.base.db.query<{ actor: string; type: string; data: Record<string, unknown> }>(
    'SELECT actor, type, data FROM request_events WHERE request_id = $1 ORDER BY id',
    [id],
  );
  return { ...row!, events, types: events.map((e) => e.type) };
}

/**
 * Waits for every email queued for the request to leave, then returns what the SMTP sink got whose
 * subject names the reference, except the acknowledgement (request-received) and the staff's
 * notifications (mail to a desk user's address).
 */
export async function outcomeMails(
  desk: TestDesk,
  requestId: number,
  reference: string,
): Promise<ReceivedMail[]> {
  await waitFor(
    async () => {
      const [row] = await desk.base.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM emails WHERE request_id = $1 AND status <> 'sent'`,
        [requestId],
      );
      return row?.n === 0;
    },
    15_000,
    `the emails of ${reference} sent`,
  );
  const acknowledgements = await desk.base.db.query<{ subject: string }>(
    `SELECT subject FROM emails WHERE request_id = $1 AND template = 'request-received'`,
    [requestId],
  );
  const skip = new Set(acknowledgements.map((a) => a.subject));
  const staff = new Set(
    (await desk.base.db.query<{ email: string }>('SELECT lower(email) AS email FROM users')).map(
      (u) => u.email,
    ),
  );
  return desk.smtp.received.filter(
    (m) =>
      m.parsed.subject?.includes(reference) &&
      !skip.has(m.parsed.subject) &&
      !m.to.some((to) => staff.has(to.toLowerCase())),
  );
}

/** Everything the sink received, as text, for "the code is nowhere else" checks. */
export function mailText(mail: ReceivedMail): string {
  return `${mail.parsed.subject ?? ''}\n${mail.parsed.text ?? ''}\n${mail.parsed.html ?? ''}`;
}

/** The hidden idempotency_key of a request page's decision form of `type` (fails if the page has none). */
export function decisionFormKey(html: string, type: string): string {
  const key = new RegExp(
    `name="type" value="${type}">\\s*<input type="hidden" name="idempotency_key" value="([^"]+)"`,
  ).exec(html)?.[1];
  if (!key) throw new Error(`the page has no ${type} form`);
  return key;
}
