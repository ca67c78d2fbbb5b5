/**
 * The authorisation matrix: every console and API route × anonymous, technician, supervisor and
 * admin, with what each may do. Console routes are tried with the role's session cookie, API
 * routes with its bearer token, customer routes with each of those but not the request's status
 * token (and with it, as its owner). Every request goes over real HTTP to a listening server.
 *
 * "allowed" means the guards let it through: any answer but 401 or 403 (a 404 for a made-up id or
 * a 409 for a request in the wrong state still means the route ran). "denied" means 401 or 403,
 * or for an anonymous visit to a console page a 303 to the sign-in page.
 *
 * The last test walks the app's router stack (Express 5 keeps it at app.router.stack, with
 * sub-routers and sub-apps nested) and fails when a route has no row here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { QUEUE_BOARD_PATH } from '../src/admin/queue-board.ts';
import type { Role } from '../src/auth/user.ts';
import { storeInbound } from '../src/inbound/inbound.repository.ts';
import { notify } from '../src/notifications/notifications.service.ts';
import { satisfactionToken } from '../src/satisfaction/satisfaction-links.ts';
import { validRequest, type TestDesk } from './helpers/desk.ts';
import {
  fileMatchedRequest,
  postDecision,
  purchase,
  startDecisionDesk,
  type FiledTicket,
} from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

type Who = 'anonymous' | Role;
const WHO: Who[] = ['anonymous', 'technician', 'supervisor', 'admin'];
const RANK: Record<Who, number> = { anonymous: 0, technician: 1, supervisor: 2, admin: 3 };

/** What a request carries: the URL, and a form (console) or JSON body (API). */
interface Target {
  url: string;
  form?: Record<string, string>;
  json?: unknown;
}

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The route's path as mounted (matched against the router stack). */
  path: string;
  /**
   * Who may: anyone (`public`), only the holder of the request's status token (`customer`), or a
   * signed-in user of this role or a higher one.
   */
  access: 'public' | 'customer' | Role;
  /** How a role's credentials are sent: session cookie (console), bearer API token (API). */
  auth: 'session' | 'token';
  /** Builds this cell's own target (and its rows); defaults to the path itself. */
  target?: (cell: Cell) => Promise<Target>;
  /** A session of its own (the route ends or replaces the session). */
  freshSession?: boolean;
  /** Server-sent events: read the status, then hang up. */
  stream?: boolean;
  /** An allowed GET answers 303 (it goes on to another page) instead of 200. */
  redirects?: boolean;
}

interface Cell {
  who: Who;
  client: Client;
}

/** A tiny HTTP client with a cookie jar, a bearer token and the console's CSRF token. */
class Client {
  private readonly cookies = new Map<string, string>();
  csrf = '';
  bearer = '';

  constructor(private readonly base: string) {}

  async send(method: string, target: Target, stream = false) {
    const headers: Record<string, string> = { Accept: 'text/html,application/json;q=0.9' };
    if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.bearer) headers.Authorization = `Bearer ${this.bearer}`;
    let body: string | undefined;
    if (target.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ ...(this.csrf ? { _csrf: this.csrf } : {}), ...target.form }).toString();
    } else if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(target.json ?? {});
    }
    const res = await fetch(this.base + target.url, { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    let text = '';
    if (stream) await res.body?.cancel();
    else text = await res.text();
    return { status: res.status, location: res.headers.get('location') ?? '', text };
  }

  /** Signs in through the form, as a browser would. */
  async signIn(email: string, password: string): Promise<void> {
    this.csrf = csrfOf((await this.send('GET', { url: '/desk/sign-in' })).text);
    const res = await this.send('POST', { url: '/desk/sign-in', form: { email, password } });
    assert.equal(res.status, 303, `sign-in of ${email}`);
    this.csrf = csrfOf((await this.send('GET', { url: '/desk' })).text);
  }
}

function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(token, 'the page has a _csrf field');
  return token;
}

let desk: TestDesk;
let server: http.Server;
let base = '';
const users = new Map<Role, TestUser>();
const sessions = new Map<Role, Client>();
let proposer: TestUser;
function appStack(): unknown[] {
  const stack = (desk.app as unknown as { router?: { stack?: unknown[] } }).router?.stack;
  assert.ok(stack, 'Express exposes app.router.stack');
  return stack;
}

before(async () => {
  desk = await startDecisionDesk();
  server = http.createServer(desk.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const role of ['technician', 'supervisor', 'admin'] as const) {
    const user = await createUserWithToken(desk.base.db, role);
    users.set(role, user);
    const client = new Client(base);
    await client.signIn(user.user.email, user.password);
    sessions.set(role, client);
  }
  proposer = await createUserWithToken(desk.base.db, 'technician');
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await desk.stop();
});

/** A request of its own, filed through the API (no match needed): for the ticket routes. */
async function ownTicket(): Promise<{ reference: string; token: string }> {
  const res = await new Client(base).send('POST', {
    url: '/api/v1/recovery-requests',
    json: validRequest({ locale: 'en' }),
  });
  assert.equal(res.status, 201, res.text);
  const body = JSON.parse(res.text) as { reference: string; token: string };
  return body;
}

/** A satisfaction link of a request of its own: signed for the customer, without its token for the others. */
async function feedbackUrl(who: Who): Promise<string> {
  const { reference } = await ownTicket();
  const token = satisfactionToken(desk.base.config.secretKey, reference, 'helpful');
  return `/requests/${reference}/feedback/helpful${who === 'anonymous' ? `?token=${token}` : ''}`;
}

/** A refund proposed by another technician, waiting for a supervisor: for the approval routes. */
async function ownApproval(): Promise<number> {
  const p = await purchase(desk);
  const ticket: FiledTicket = await fileMatchedRequest(desk, p);
  const res = await postDecision(desk, proposer.token, ticket.reference, {
    type: 'refund',
    amount: '549.00',
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.approval_id as number;
}

/** A user to act on in the admin routes (never the actor). */
async function victim(): Promise<TestUser> {
  return createUserWithToken(desk.base.db, 'technician');
}

/** A request of its own filed through the form with a proof of purchase; its attachment's id. */
async function ownAttachment(): Promise<{ reference: string; id: number }> {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const form = new FormData();
  for (const [key, value] of Object.entries(validRequest({ locale: 'en' }))) form.set(key, String(value));
  form.set('attachment', new Blob([png], { type: 'image/png' }), 'receipt.png');
  const res = await fetch(`${base}/recover`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(res.status, 303, await res.text());
  const reference = /\/requests\/(RD-[0-9A-Z]+)/.exec(res.headers.get('location') ?? '')?.[1];
  assert.ok(reference, 'the form answers with the status page');
  const [row] = await desk.base.db.query<{ id: number }>(
    `SELECT a.id FROM attachments a JOIN recovery_requests r ON r.id = a.request_id WHERE r.reference = $1`,
    [reference],
  );
  assert.ok(row, 'the attachment is stored');
  return { reference, id: Number(row.id) };
}

/** An email message stored for a request of its own, as threading leaves it. */
async function ownInboundMessage(): Promise<{ reference: string; id: number }> {
  const { reference } = await ownTicket();
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: Re\r\nMessage-ID: <${randomBytes(8).toString('hex')}@example.com>\r\n\r\nThanks\r\n`,
  );
  const { id } = await storeInbound(desk.base.db, desk.base.config, raw, { via: 'smtp', from: null, to: [] });
  await desk.base.db.query(
    `UPDATE inbound_messages SET status = 'processed', outcome = 'message',
            request_id = (SELECT id FROM recovery_requests WHERE reference = $2) WHERE id = $1`,
    [id, reference],
  );
  return { reference, id };
}

/** The id of the acknowledgement email of a request of its own. */
async function ownEmail(): Promise<number> {
  const { reference } = await ownTicket();
  const [row] = await desk.base.db.query<{ id: number }>(
    `SELECT e.id FROM emails e JOIN recovery_requests r ON r.id = e.request_id WHERE r.reference = $1`,
    [reference],
  );
  assert.ok(row, 'the acknowledgement is stored');
  return Number(row.id);
}

/** A notification of the caller's own (the technician's for anonymous): its id. */
async function ownNotification(who: Who): Promise<number> {
  const { reference } = await ownTicket();
  const user = users.get(who === 'anonymous' ? 'technician' : who)!.user;
  return desk.base.db.transaction(async (tx) => {
    const [request] = await tx.query<{ id: number }>(
      'SELECT id FROM recovery_requests WHERE reference = $1',
      [reference],
    );
    await notify(tx, desk.base.config, {
      kind: 'assigned',
      to: { userIds: [user.id] },
      actorId: null,
      request: { id: request!.id, reference },
      data: { by: 'lead@desk.test' },
    });
    const [row] = await tx.query<{ id: number }>(
      'SELECT max(id) AS id FROM notifications WHERE user_id = $1',
      [user.id],
    );
    return Number(row!.id);
  });
}

/** A macro of its own (archived, to restore), for the macro routes; its id. */
/** A webhook endpoint of its own (its secret is never read on the pages the matrix opens). */
async function ownWebhook(): Promise<number> {
  const [row] = await desk.base.db.query<{ id: number }>(
    `INSERT INTO webhook_endpoints (url, events, secret_enc)
     VALUES ('https://hooks.example.com/matrix', '{request.filed}', 'unused') RETURNING id::int`,
  );
  return row!.id;
}

async function ownMacro(archived = false): Promise<number> {
  const [row] = await desk.base.db.query<{ id: number }>(
    `INSERT INTO macros (name, decision, texts, archived_at)
     VALUES ($1, 'request_info', '{"en": "Which store?", "de": "Welcher Händler?", "ru": "Какой магазин?"}',
             CASE WHEN $2::boolean THEN now() END)
     RETURNING id`,
    [`matrix ${randomBytes(6).toString('hex')}`, archived],
  );
  return Number(row!.id);
}

/** The admin's macro form, filled in with a name of its own. */
function macroForm(): Record<string, string> {
  return {
    name: `matrix ${randomBytes(6).toString('hex')}`,
    fills: 'request_info',
    text_en: 'Which store?',
    text_de: 'Welcher Händler?',
    text_ru: 'Какой магазин?',
  };
}

const ROWS: Row[] = [
  // Public pages and probes.
  { method: 'GET', path: '/', access: 'public', auth: 'session' },
  { method: 'GET', path: '/healthz', access: 'public', auth: 'token' },
  { method: 'GET', path: '/readyz', access: 'public', auth: 'token' },
  { method: 'GET', path: '/metrics', access: 'public', auth: 'token' },
  { method: 'GET', path: '/recover', access: 'public', auth: 'session' },
  {
    method: 'POST',
    path: '/recover',
    access: 'public',
    auth: 'session',
    target: () => Promise.resolve({ url: '/recover', form: { name: '' } }),
  },
  {
    method: 'POST',
    path: '/api/v1/recovery-requests',
    access: 'public',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/recovery-requests', json: { name: '' } }),
  },
  // "Email me my codes": anyone may ask; the answer never says whether anything was found.
  { method: 'GET', path: '/recover/by-email', access: 'public', auth: 'session' },
  {
    method: 'POST',
    path: '/recover/by-email',
    access: 'public',
    auth: 'session',
    target: () => Promise.resolve({ url: '/recover/by-email', form: { email: '' } }),
  },
  {
    method: 'POST',
    path: '/api/v1/code-lookups',
    access: 'public',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/code-lookups', json: { email: '' } }),
  },
  // The customer's own request: only its status token opens it, never a desk login.
  {
    method: 'GET',
    path: '/requests/:reference',
    access: 'customer',
    auth: 'session',
    target: async ({ who }) => {
      const { reference, token } = await ownTicket();
      return { url: `/requests/${reference}${who === 'anonymous' ? `?token=${token}` : ''}` };
    },
  },
  {
    method: 'POST',
    path: '/requests/:reference/reply',
    access: 'customer',
    auth: 'session',
    target: async ({ who }) => {
      const { reference, token } = await ownTicket();
      const query = who === 'anonymous' ? `?token=${token}` : '';
      return { url: `/requests/${reference}/reply${query}`, form: { message: 'Here is my receipt.' } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/recovery-requests/:reference',
    access: 'customer',
    auth: 'token',
    target: async ({ who, client }) => {
      const { reference, token } = await ownTicket();
      if (who === 'anonymous') client.bearer = token;
      return { url: `/api/v1/recovery-requests/${reference}` };
    },
  },
  // "Was this helpful?": only the signed link of the closing email records an answer or a comment
  // (README "Satisfaction"), never a desk login without it.
  {
    method: 'GET',
    path: '/requests/:reference/feedback/:answer',
    access: 'customer',
    auth: 'session',
    target: async ({ who }) => ({ url: await feedbackUrl(who) }),
  },
  {
    method: 'POST',
    path: '/requests/:reference/feedback/:answer',
    access: 'customer',
    auth: 'session',
    target: async ({ who }) => ({ url: await feedbackUrl(who), form: { comment: 'Quick and clear.' } }),
  },
  // The technician API (bearer tokens).
  { method: 'GET', path: '/api/v1/tickets', access: 'technician', auth: 'token' },
  {
    method: 'GET',
    path: '/api/v1/tickets/:reference',
    access: 'technician',
    auth: 'token',
    target: async () => ({ url: `/api/v1/tickets/${(await ownTicket()).reference}` }),
  },
  {
    method: 'POST',
    path: '/api/v1/tickets/:reference/claim',
    access: 'technician',
    auth: 'token',
    target: async () => ({ url: `/api/v1/tickets/${(await ownTicket()).reference}/claim`, json: {} }),
  },
  {
    method: 'POST',
    path: '/api/v1/tickets/:reference/release',
    access: 'technician',
    auth: 'token',
    target: async () => ({ url: `/api/v1/tickets/${(await ownTicket()).reference}/release`, json: {} }),
  },
  {
    method: 'POST',
    path: '/api/v1/tickets/:reference/assign',
    access: 'supervisor',
    auth: 'token',
    target: async () => ({
      url: `/api/v1/tickets/${(await ownTicket()).reference}/assign`,
      json: { to: proposer.user.email },
    }),
  },
  {
    method: 'POST',
    path: '/api/v1/tickets/bulk',
    access: 'technician',
    auth: 'token',
    target: async () => ({
      url: '/api/v1/tickets/bulk',
      json: { references: [(await ownTicket()).reference], action: { type: 'release' } },
    }),
  },
  {
    method: 'POST',
    path: '/api/v1/tickets/:reference/decisions',
    access: 'technician',
    auth: 'token',
    target: async () => ({
      url: `/api/v1/tickets/${(await ownTicket()).reference}/decisions`,
      json: { type: 'request_info', message: 'Which store was it?' },
    }),
  },
  { method: 'GET', path: '/api/v1/approvals', access: 'technician', auth: 'token' },
  { method: 'GET', path: '/api/v1/macros', access: 'technician', auth: 'token' },
  {
    method: 'POST',
    path: '/api/v1/approvals/:id/approve',
    access: 'supervisor',
    auth: 'token',
    target: async () => ({ url: `/api/v1/approvals/${await ownApproval()}/approve`, json: {} }),
  },
  {
    method: 'POST',
    path: '/api/v1/approvals/:id/reject',
    access: 'supervisor',
    auth: 'token',
    target: async () => ({ url: `/api/v1/approvals/${await ownApproval()}/reject`, json: {} }),
  },
  // The console (session cookies and CSRF tokens).
  { method: 'GET', path: '/desk/sign-in', access: 'public', auth: 'session' },
  {
    method: 'POST',
    path: '/desk/sign-in',
    access: 'public',
    auth: 'session',
    freshSession: true,
    target: async ({ client }) => {
      const someone = await victim();
      // Signed in, the form redirects to the queue; the session's own token serves.
      if (!client.csrf) client.csrf = csrfOf((await client.send('GET', { url: '/desk/sign-in' })).text);
      return { url: '/desk/sign-in', form: { email: someone.user.email, password: someone.password } };
    },
  },
  {
    method: 'POST',
    path: '/desk/sign-out',
    access: 'technician',
    auth: 'session',
    freshSession: true,
    target: () => Promise.resolve({ url: '/desk/sign-out', form: {} }),
  },
  { method: 'GET', path: '/desk', access: 'technician', auth: 'session' },
  { method: 'GET', path: '/desk/live', access: 'technician', auth: 'session', stream: true },
  // The queue's saved views (each user's own; another's id is as absent as a made-up one).
  {
    method: 'POST',
    path: '/desk/views',
    access: 'technician',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/views', form: { name: 'matrix', verdict: 'none' } }),
  },
  {
    method: 'POST',
    path: '/desk/views/:id/delete',
    access: 'technician',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/views/999999999/delete', form: {} }),
  },
  // The queue's bulk form: assignment in it is a supervisor's (refused inside, like the API's).
  {
    method: 'POST',
    path: '/desk/bulk',
    access: 'technician',
    auth: 'session',
    target: () =>
      Promise.resolve({
        url: '/desk/bulk',
        form: { ref: 'RD-ZZZZZZZZ', action: 'release', idempotency_key: 'matrix-bulk' },
      }),
  },
  // The request page and the approvals page (the console's side of the decisions).
  {
    method: 'GET',
    path: '/desk/requests/:reference',
    access: 'technician',
    auth: 'session',
    target: async () => ({ url: `/desk/requests/${(await ownTicket()).reference}` }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/claim',
    access: 'technician',
    auth: 'session',
    target: async () => ({ url: `/desk/requests/${(await ownTicket()).reference}/claim`, form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/release',
    access: 'technician',
    auth: 'session',
    target: async () => ({ url: `/desk/requests/${(await ownTicket()).reference}/release`, form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/presence',
    access: 'technician',
    auth: 'session',
    target: async () => ({
      url: `/desk/requests/${(await ownTicket()).reference}/presence`,
      form: { typing: 'true' },
    }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/assign',
    access: 'supervisor',
    auth: 'session',
    target: async () => ({
      url: `/desk/requests/${(await ownTicket()).reference}/assign`,
      form: { to: proposer.user.email },
    }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/notes',
    access: 'technician',
    auth: 'session',
    target: async () => ({
      url: `/desk/requests/${(await ownTicket()).reference}/notes`,
      form: { text: 'Called the store.' },
    }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/decisions',
    access: 'technician',
    auth: 'session',
    target: async () => ({
      url: `/desk/requests/${(await ownTicket()).reference}/decisions`,
      form: {
        type: 'request_info',
        message: 'Which store was it?',
        idempotency_key: randomBytes(8).toString('hex'),
      },
    }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/decisions/preview',
    access: 'technician',
    auth: 'session',
    target: async () => ({
      url: `/desk/requests/${(await ownTicket()).reference}/decisions/preview`,
      form: {
        type: 'request_info',
        message: 'Which store?',
        idempotency_key: randomBytes(8).toString('hex'),
      },
    }),
  },
  {
    method: 'POST',
    path: '/desk/requests/:reference/decisions/macro',
    access: 'technician',
    auth: 'session',
    target: async () => ({
      url: `/desk/requests/${(await ownTicket()).reference}/decisions/macro`,
      form: {
        type: 'request_info',
        macro: String(await ownMacro()),
        idempotency_key: randomBytes(8).toString('hex'),
      },
    }),
  },
  {
    method: 'GET',
    path: '/desk/requests/:reference/inbound/:id',
    access: 'technician',
    auth: 'session',
    target: async () => {
      const { reference, id } = await ownInboundMessage();
      return { url: `/desk/requests/${reference}/inbound/${id}` };
    },
  },
  {
    method: 'GET',
    path: '/desk/requests/:reference/attachments/:id',
    access: 'technician',
    auth: 'session',
    target: async () => {
      const { reference, id } = await ownAttachment();
      return { url: `/desk/requests/${reference}/attachments/${id}` };
    },
  },
  {
    method: 'GET',
    path: '/desk/emails/:id',
    access: 'technician',
    auth: 'session',
    target: async () => ({ url: `/desk/emails/${await ownEmail()}` }),
  },
  {
    method: 'POST',
    path: '/desk/emails/:id/resend',
    access: 'technician',
    auth: 'session',
    target: async () => ({ url: `/desk/emails/${await ownEmail()}/resend`, form: {} }),
  },
  { method: 'GET', path: '/desk/approvals', access: 'supervisor', auth: 'session' },
  {
    method: 'POST',
    path: '/desk/approvals/:id/approve',
    access: 'supervisor',
    auth: 'session',
    target: async () => ({ url: `/desk/approvals/${await ownApproval()}/approve`, form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/approvals/:id/reject',
    access: 'supervisor',
    auth: 'session',
    target: async () => ({ url: `/desk/approvals/${await ownApproval()}/reject`, form: {} }),
  },
  // The reports page and its CSV downloads (supervisors and admins).
  { method: 'GET', path: '/desk/reports', access: 'supervisor', auth: 'session' },
  {
    method: 'GET',
    path: '/desk/reports/:figure.csv',
    access: 'supervisor',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/reports/requests.csv?days=7' }),
  },
  { method: 'GET', path: '/desk/admin', access: 'admin', auth: 'session' },
  { method: 'GET', path: '/desk/admin/users', access: 'admin', auth: 'session' },
  {
    method: 'POST',
    path: '/desk/admin/users',
    access: 'admin',
    auth: 'session',
    target: () =>
      Promise.resolve({
        url: '/desk/admin/users',
        form: {
          email: `added.${randomBytes(4).toString('hex')}@desk.test`,
          role: 'admin',
          password: 'a long enough password',
        },
      }),
  },
  {
    method: 'POST',
    path: '/desk/admin/users/:id/enable',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/users/${(await victim()).user.id}/enable`, form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/admin/users/:id/disable',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/users/${(await victim()).user.id}/disable`, form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/admin/users/:id/role',
    access: 'admin',
    auth: 'session',
    target: async () => ({
      url: `/desk/admin/users/${(await victim()).user.id}/role`,
      form: { role: 'supervisor' },
    }),
  },
  {
    method: 'POST',
    path: '/desk/admin/tokens/:id/revoke',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/tokens/${(await victim()).tokenId}/revoke`, form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/admin/instant-recovery/resume',
    access: 'admin',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/admin/instant-recovery/resume', form: {} }),
  },
  { method: 'GET', path: '/desk/admin/audit', access: 'admin', auth: 'session' },
  { method: 'GET', path: '/desk/admin/inbound', access: 'admin', auth: 'session' },
  { method: 'GET', path: '/api/v1/audit', access: 'admin', auth: 'token' },
  // Purchases by API: an admin's token, or a token with the purchases:write scope (the matrix's
  // tokens have none; test/purchases.api.test.ts tries a scoped one). Bodies that store nothing.
  {
    method: 'PUT',
    path: '/api/v1/purchases/:license_number',
    access: 'admin',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/purchases/0000-000000-00000001', json: {} }),
  },
  {
    method: 'POST',
    path: '/api/v1/purchases/batch',
    access: 'admin',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/purchases/batch', json: [{}] }),
  },
  // The reports' figures as JSON.
  { method: 'GET', path: '/api/v1/reports/summary', access: 'supervisor', auth: 'token' },
  // Webhooks (README "Webhooks"): made-up ids, so an allowed call is a 404 and nothing changes.
  { method: 'GET', path: '/api/v1/webhooks', access: 'admin', auth: 'token' },
  {
    method: 'POST',
    path: '/api/v1/webhooks',
    access: 'admin',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/webhooks', json: {} }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/webhooks/:id',
    access: 'admin',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/webhooks/999999' }),
  },
  {
    method: 'GET',
    path: '/api/v1/webhooks/:id/deliveries',
    access: 'admin',
    auth: 'token',
    target: async () => ({ url: `/api/v1/webhooks/${await ownWebhook()}/deliveries` }),
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks/:id/deliveries/:delivery/resend',
    access: 'admin',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/webhooks/999999/deliveries/999999/resend' }),
  },
  { method: 'GET', path: '/desk/admin/webhooks', access: 'admin', auth: 'session' },
  {
    method: 'POST',
    path: '/desk/admin/webhooks',
    access: 'admin',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/admin/webhooks', form: {} }),
  },
  {
    method: 'GET',
    path: '/desk/admin/webhooks/:id',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/webhooks/${await ownWebhook()}` }),
  },
  ...(['disable', 'enable', 'delete'] as const).map((action) => ({
    method: 'POST' as const,
    path: `/desk/admin/webhooks/:id/${action}`,
    access: 'admin' as const,
    auth: 'session' as const,
    target: () => Promise.resolve({ url: `/desk/admin/webhooks/999999/${action}`, form: {} }),
  })),
  {
    method: 'POST',
    path: '/desk/admin/webhooks/:id/deliveries/:delivery/resend',
    access: 'admin',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/admin/webhooks/999999/deliveries/1/resend', form: {} }),
  },
  // Everyone's own notifications: the console's list and choices, and the API.
  { method: 'GET', path: '/desk/notifications', access: 'technician', auth: 'session' },
  {
    method: 'GET',
    path: '/desk/notifications/:id',
    access: 'technician',
    auth: 'session',
    redirects: true,
    target: async ({ who }) => ({ url: `/desk/notifications/${await ownNotification(who)}` }),
  },
  {
    method: 'POST',
    path: '/desk/notifications/read',
    access: 'technician',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/notifications/read', form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/notifications/preferences',
    access: 'technician',
    auth: 'session',
    target: () =>
      Promise.resolve({ url: '/desk/notifications/preferences', form: { email_assigned: 'console' } }),
  },
  { method: 'GET', path: '/api/v1/notifications', access: 'technician', auth: 'token' },
  {
    method: 'POST',
    path: '/api/v1/notifications/read',
    access: 'technician',
    auth: 'token',
    target: () => Promise.resolve({ url: '/api/v1/notifications/read', json: { all: true } }),
  },
  // The admin's macros.
  { method: 'GET', path: '/desk/admin/macros', access: 'admin', auth: 'session' },
  {
    method: 'POST',
    path: '/desk/admin/macros',
    access: 'admin',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/admin/macros', form: macroForm() }),
  },
  {
    method: 'GET',
    path: '/desk/admin/macros/:id',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/macros/${await ownMacro()}` }),
  },
  {
    method: 'POST',
    path: '/desk/admin/macros/:id',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/macros/${await ownMacro()}`, form: macroForm() }),
  },
  {
    method: 'POST',
    path: '/desk/admin/macros/:id/archive',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/macros/${await ownMacro()}/archive`, form: {} }),
  },
  {
    method: 'POST',
    path: '/desk/admin/macros/:id/restore',
    access: 'admin',
    auth: 'session',
    target: async () => ({ url: `/desk/admin/macros/${await ownMacro(true)}/restore`, form: {} }),
  },
  // Everyone's own API tokens ("My tokens").
  { method: 'GET', path: '/desk/tokens', access: 'technician', auth: 'session' },
  {
    method: 'POST',
    path: '/desk/tokens',
    access: 'technician',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/tokens', form: { label: 'matrix' } }),
  },
  {
    method: 'POST',
    path: '/desk/tokens/:id/revoke',
    access: 'technician',
    auth: 'session',
    // A token of the caller's own, made with their session; without one (anonymous, or only an
    // API token), someone else's.
    target: async ({ client }) => {
      const made = await client.send('POST', { url: '/desk/tokens', form: { label: 'to revoke' } });
      if (made.status !== 201) return { url: `/desk/tokens/${(await victim()).tokenId}/revoke`, form: {} };
      const page = await client.send('GET', { url: '/desk/tokens' });
      const id = /action="\/desk\/tokens\/(\d+)\/revoke"/.exec(page.text)?.[1];
      assert.ok(id, 'the new token is listed');
      return { url: `/desk/tokens/${id}/revoke`, form: {} };
    },
  },
  // Bull Board: a sub-app of its own under /desk/admin/queues; these rows stand for all its routes.
  { method: 'GET', path: QUEUE_BOARD_PATH, access: 'admin', auth: 'session' },
  {
    method: 'GET',
    path: `${QUEUE_BOARD_PATH}/api/queues`,
    access: 'admin',
    auth: 'session',
    target: () => Promise.resolve({ url: `${QUEUE_BOARD_PATH}/api/queues` }),
  },
  // The admin's email previews.
  { method: 'GET', path: '/desk/admin/emails', access: 'admin', auth: 'session' },
  {
    method: 'GET',
    path: '/desk/admin/emails/:locale/:name',
    access: 'admin',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/admin/emails/en/request-info' }),
  },
  {
    method: 'GET',
    path: '/desk/admin/emails/:locale/:name/html',
    access: 'admin',
    auth: 'session',
    target: () => Promise.resolve({ url: '/desk/admin/emails/de/reissue-code/html' }),
  },
];

/** Whether `who` should get through the guards of `row` (with the customer's token when anonymous). */
function expectAllowed(row: Row, who: Who): boolean {
  if (row.access === 'public') return true;
  // Rows of the customer: "anonymous" stands for the customer holding the status token.
  if (row.access === 'customer') return who === 'anonymous';
  return RANK[who] >= RANK[row.access];
}

async function clientFor(row: Row, who: Who): Promise<Client> {
  const client = new Client(base);
  if (who === 'anonymous') return client;
  const user = users.get(who)!;
  if (row.auth === 'token') {
    client.bearer = user.token;
    return client;
  }
  if (row.freshSession) {
    await client.signIn(user.user.email, user.password);
    return client;
  }
  return sessions.get(who)!;
}

describe('authorisation matrix', () => {
  for (const row of ROWS) {
    for (const who of WHO) {
      const allowed = expectAllowed(row, who);
      const as =
        row.access === 'customer'
          ? who === 'anonymous'
            ? 'the customer with the status token'
            : `a ${who} (${row.auth === 'token' ? 'API token' : 'session'}, no status token)`
          : who === 'anonymous'
            ? 'anonymous'
            : `a ${who} (${row.auth === 'token' ? 'API token' : 'session'})`;
      it(`when ${as} calls ${row.method} ${row.path}, then ${allowed ? 'allowed' : 'denied'}`, async () => {
        const client = await clientFor(row, who);
        const target = row.target ? await row.target({ who, client }) : { url: row.path };
        const res = await client.send(row.method, target, row.stream);
        const what = `${row.method} ${target.url} as ${who}: ${res.status} ${res.text.slice(0, 200)}`;
        if (allowed) {
          assert.ok(![401, 403].includes(res.status), what);
          assert.ok(res.status < 500, what);
          if (row.method === 'GET' && row.access !== 'public' && row.access !== 'customer')
            assert.equal(res.status, row.redirects ? 303 : 200, what);
        } else if (row.access === 'customer') {
          // A desk login is no status token: the request stays hidden (404) or is refused.
          assert.ok([401, 403, 404].includes(res.status), what);
        } else if (who === 'anonymous' && row.method === 'GET' && row.auth === 'session') {
          assert.equal(res.status, 303, what);
          assert.match(res.location, /^\/desk\/sign-in\?next=/, what);
        } else if (who === 'anonymous') {
          assert.equal(res.status, 401, what);
        } else {
          assert.equal(res.status, 403, what);
        }
      });
    }
  }
});

describe('credentials of the other kind', () => {
  for (const row of ROWS.filter((r) => r.access !== 'public' && r.access !== 'customer')) {
    const other = row.auth === 'token' ? 'an admin’s session cookie' : 'an admin’s API token';
    it(`when ${row.method} ${row.path} is called with only ${other}, then denied`, async () => {
      const admin = users.get('admin')!;
      let client: Client;
      if (row.auth === 'token') {
        client = sessions.get('admin')!;
      } else {
        client = new Client(base);
        client.bearer = admin.token;
      }
      const target = row.target ? await row.target({ who: 'admin', client }) : { url: row.path };
      const res = await client.send(row.method, target, row.stream);
      const what = `${row.method} ${target.url}: ${res.status}`;
      if (row.auth === 'session' && row.method === 'GET') assert.equal(res.status, 303, what);
      else assert.equal(res.status, 401, what);
    });
  }
});

/** Every route the app serves, as "METHOD /path", from Express 5's router stack. */
function routesOf(stack: unknown[], prefix = ''): string[] {
  const found: string[] = [];
  for (const layer of stack as {
    route?: { path: string; methods: Record<string, boolean> };
    rawPath?: unknown;
    handle?: { stack?: unknown[]; router?: { stack?: unknown[] } };
  }[]) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods))
        if (method !== '_all') found.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
      continue;
    }
    // A router (handle.stack) or a sub-app such as Bull Board's (handle.router.stack).
    const inner = layer.handle?.stack ?? layer.handle?.router?.stack;
    if (!inner) continue;
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    found.push(...routesOf(inner, prefix + mount));
  }
  return found;
}

describe('the matrix covers every route', () => {
  it('when the router stack is walked, then every route has a row (Bull Board’s by its two rows)', () => {
    const routes = [...new Set(routesOf(appStack()))];
    assert.ok(routes.length > 20, `found ${routes.length} routes`);
    const rows = new Set(ROWS.map((r) => `${r.method} ${r.path}`));
    const board = (route: string) => route.split(' ')[1]!.startsWith(QUEUE_BOARD_PATH);
    assert.ok(routes.some(board), 'Bull Board’s routes were found');
    const missing = routes.filter((route) => !rows.has(route) && !board(route));
    assert.deepEqual(missing, [], 'routes without a row in the authorisation matrix');
    const stale = [...rows].filter(
      (row) => !routes.includes(row) && !row.split(' ')[1]!.startsWith(QUEUE_BOARD_PATH),
    );
    assert.deepEqual(stale, [], 'rows for routes the app no longer has');
  });
});
