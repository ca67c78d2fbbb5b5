import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { startDecisionDesk, fileMatchedRequest, purchase, type FiledTicket } from './helpers/tickets.ts';
import { validRequest, type TestDesk } from './helpers/desk.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

// Generated inputs (fast-check) to every public route and the technician API. The properties:
// never a 5xx, and nothing stored from a request that was refused. The number of cases tried is
// printed at the end (the "inputs tried").

let desk: TestDesk;
let tech: TestUser;
let ticket: FiledTicket;
let tried = 0;
before(async () => {
  desk = await startDecisionDesk();
  tech = await createUserWithToken(desk.base.db, 'technician');
  ticket = await fileMatchedRequest(desk, await purchase(desk));
});
after(async () => {
  process.stdout.write(`# abuse.inputs: ${tried} generated inputs tried\n`);
  await desk.stop();
});

/** Every row a request could leave behind, counted (the match worker's own rows aside: it runs meanwhile). */
async function footprint() {
  const [row] = await desk.base.db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM recovery_requests) AS requests,
            (SELECT count(*)::int FROM request_events WHERE type <> 'matched') AS events,
            (SELECT count(*)::int FROM emails) AS emails,
            (SELECT count(*)::int FROM outbox) AS outbox,
            (SELECT count(*)::int FROM attachments) AS attachments,
            (SELECT count(*)::int FROM approvals) AS approvals`,
  );
  return row!;
}

// What a hostile or careless client types: markup, SQL, control characters, header breaks,
// path tricks, huge and odd Unicode, and values of the wrong type.
const NASTY = [
  "'; DROP TABLE recovery_requests; --",
  "' OR '1'='1",
  '%_\\',
  '$1',
  '\u0000',
  '\r\nBcc: evil@attacker.test',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../etc/passwd',
  'C:\\Windows\\win.ini',
  '\u202e\u2028\u0085',
  '\u0007\u001b[31m',
  'DEL\u007f and CSI\u009b',
  'a tab\tand a line\r\nbreak',
  '{{constructor.constructor("return process")()}}',
  '__proto__',
  'ＲＤ－１２３',
  '😀'.repeat(50),
];
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...NASTY),
  fc.string({ minLength: 5_001, maxLength: 6_000 }),
);
const anyValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 3 }),
);
const FIELDS = Object.keys(validRequest());
const FIELD_NAMES = [...FIELDS, 'locale', 'attachment', '__proto__', 'constructor', 'status', 'id'];

/** A valid request with some fields replaced, removed or added. */
const mutatedRequest = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...FIELD_NAMES), anyValue, { maxKeys: 4 }),
    fc.subarray(FIELDS, { maxLength: 3 }),
  )
  .map(([changes, removed]) => {
    const body: Record<string, unknown> = validRequest();
    for (const k of removed) delete body[k];
    for (const [k, v] of Object.entries(changes))
      Object.defineProperty(body, k, { value: v, enumerable: true });
    return body;
  });

function assertNo5xx(status: number, what: string) {
  tried++;
  assert.ok(status < 500, `${what} answered ${status}`);
}

async function assertStoredOnlyIf(accepted: boolean, before: Record<string, number>, what: string) {
  const now = await footprint();
  if (accepted) assert.equal(now.requests, (before.requests ?? 0) + 1, `${what}: one request stored`);
  else assert.deepEqual(now, before, `${what}: refused, and nothing stored`);
}

// Each address files at most a few requests, under the intake limits of a real desk.
const clientAddress = () => `203.0.113.${randomBytes(1)[0]! % 250}`;

describe('generated input to the public routes', { timeout: 120_000 }, () => {
  it('POST /api/v1/recovery-requests: any JSON body is answered 201 or 4xx, and only a 201 stores anything', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedRequest, anyValue), async (body) => {
        const before = await footprint();
        const res = await request(desk.app)
          .post('/api/v1/recovery-requests')
          .set('X-Forwarded-For', clientAddress())
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        assertNo5xx(res.status, 'intake API');
        assert.ok([201, 400, 415, 422].includes(res.status), `status ${res.status}`);
        await assertStoredOnlyIf(res.status === 201, before, 'intake API');
      }),
      { numRuns: 500 },
    );
  });

  it('POST /api/v1/recovery-requests: bodies that are not JSON, or not what they claim, are 400/413/415 and store nothing', async () => {
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.constantFrom('{', '{"a":', '[]', 'null', '"x"', '{"email":}'),
        ),
        contentType,
        async (raw, type) => {
          const before = await footprint();
          const res = await request(desk.app)
            .post('/api/v1/recovery-requests')
            .set('Content-Type', type)
            .send(raw);
          assertNo5xx(res.status, 'intake API (raw)');
          await assertStoredOnlyIf(false, before, 'raw intake');
        },
      ),
      { numRuns: 200 },
    );
    const huge = JSON.stringify(validRequest({ details: 'x'.repeat(70_000) }));
    const res = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .set('Content-Type', 'application/json')
      .send(huge);
    assert.equal(res.status, 413);
  });

  it('POST /recover (form): any fields are answered 303 or 4xx, and only a 303 stores anything', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedRequest, async (body) => {
        const before = await footprint();
        const form = Object.fromEntries(
          Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
        );
        const res = await request(desk.app)
          .post('/recover')
          .set('X-Forwarded-For', clientAddress())
          .type('form')
          .send(form);
        assertNo5xx(res.status, 'form');
        assert.ok([303, 400, 413, 422].includes(res.status), `status ${res.status}`);
        await assertStoredOnlyIf(res.status === 303, before, 'form');
      }),
      { numRuns: 300 },
    );
  });

  it('GET /requests/:reference and the status API: any reference and token are 404 (or 429 for a guesser), never a page', async () => {
    const reference = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constant(ticket.reference),
      fc.constantFrom(...NASTY),
    );
    const token = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(...NASTY),
      fc.constant(ticket.token.slice(0, -1) + 'x'),
    );
    await fc.assert(
      fc.asyncProperty(reference, token, fc.boolean(), async (ref, tok, api) => {
        const path = `/${api ? 'api/v1/recovery-requests' : 'requests'}/${encodeURIComponent(ref)}`;
        const res = api
          ? await request(desk.app)
              .get(path)
              .set('X-Forwarded-For', clientAddress())
              // A header carries printable ASCII only (a client cannot send anything else).
              .set('Authorization', `Bearer ${tok.replace(/[^\x21-\x7e]/g, '')}`)
          : await request(desk.app).get(path).set('X-Forwarded-For', clientAddress()).query({ token: tok });
        assertNo5xx(res.status, 'status page');
        assert.ok([404, 429].includes(res.status) || (res.status === 400 && api), `status ${res.status}`);
      }),
      { numRuns: 300 },
    );
  });

  it('POST /requests/:reference/reply: any message to any reference stores nothing unless it is the customer’s own, awaited answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(ticket.reference), fc.string({ maxLength: 20 })),
        anyValue,
        fc.boolean(),
        async (ref, message, rightToken) => {
          const before = await footprint();
          const res = await request(desk.app)
            .post(`/requests/${encodeURIComponent(ref)}/reply`)
            .set('X-Forwarded-For', clientAddress())
            .query({ token: rightToken ? ticket.token : 'not-the-token' })
            .type('form')
            .send({ message: typeof message === 'string' ? message : (JSON.stringify(message) ?? '') });
          assertNo5xx(res.status, 'reply');
          // The ticket is in triage, not waiting on the customer: no answer is taken.
          assert.ok([404, 409, 422, 429].includes(res.status), `status ${res.status}`);
          await assertStoredOnlyIf(false, before, 'reply');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('generated input to the technician API', { timeout: 120_000 }, () => {
  const decisionBody = fc.oneof(
    fc.record(
      {
        type: fc.oneof(fc.constantFrom('reissue', 'refund', 'request_info', 'reject', 'approve', ''), text),
        mode: fc.oneof(fc.constantFrom('resend', 'replace'), anyValue),
        amount: fc.oneof(fc.constantFrom('49.00', '-1', '1e9', 'NaN', '0.001', '549.00'), anyValue),
        reason: fc.oneof(fc.constantFrom('no_purchase_found', 'duplicate', 'nope'), anyValue),
        message: anyValue,
        to: anyValue,
      },
      { requiredKeys: [] },
    ),
    anyValue,
  );

  it('POST /api/v1/tickets/:reference/decisions: any body or key is answered without a 5xx, and a refusal changes nothing', async () => {
    // Its own ticket, so decisions that do act (a valid one can be generated) end it early at worst.
    const target = await fileMatchedRequest(desk, await purchase(desk));
    await fc.assert(
      fc.asyncProperty(
        decisionBody,
        fc.option(fc.string({ maxLength: 300 })),
        fc.boolean(),
        async (body, key, real) => {
          const before = await footprint();
          let req = request(desk.app)
            .post(`/api/v1/tickets/${real ? target.reference : 'RD-ZZZZZZZZ'}/decisions`)
            .set('Authorization', `Bearer ${tech.token}`);
          if (key !== null) req = req.set('Idempotency-Key', key.replace(/[\r\n]/g, ''));
          const res = await req.set('Content-Type', 'application/json').send(JSON.stringify(body));
          assertNo5xx(res.status, 'decisions');
          assert.ok([200, 202, 400, 403, 404, 409, 422].includes(res.status), `status ${res.status}`);
          if (res.status >= 400) {
            const now = await footprint();
            assert.deepEqual({ ...now, events: before.events }, before, 'a refused decision stores nothing');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('POST /api/v1/tickets/:reference/claim and GET /api/v1/tickets: any body, filter, search or cursor is answered without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(ticket.reference), text), anyValue, async (ref, body) => {
        const res = await request(desk.app)
          .post(`/api/v1/tickets/${encodeURIComponent(ref)}/claim`)
          .set('Authorization', `Bearer ${tech.token}`)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        assertNo5xx(res.status, 'claim');
      }),
      { numRuns: 100 },
    );
    const query = fc.dictionary(
      fc.constantFrom('status', 'verdict', 'flag', 'owner', 'overdue', 'q', 'cursor', 'limit', 'x'),
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.constantFrom(...NASTY),
        fc.constantFrom(
          'open',
          'triage',
          'strong',
          'unmatched',
          'email_differs',
          'true',
          '0',
          '201',
          '-1',
          'eyJ9',
        ),
      ),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const res = await request(desk.app)
          .get('/api/v1/tickets')
          .query(q)
          .set('Authorization', `Bearer ${tech.token}`);
        assertNo5xx(res.status, 'tickets list');
        assert.ok([200, 400, 422].includes(res.status), `status ${res.status} for ${JSON.stringify(q)}`);
      }),
      { numRuns: 300 },
    );
    // A query string longer than Node takes is refused by the server itself, also without a 5xx.
    const long = await request(desk.app)
      .get('/api/v1/tickets')
      .query({ q: 'x'.repeat(20_000) })
      .set('Authorization', `Bearer ${tech.token}`);
    assertNo5xx(long.status, 'tickets list (long query)');
  });
});

describe('generated paths and cursors', { timeout: 120_000 }, () => {
  const ROUTES = [
    '/',
    '/recover',
    '/healthz',
    '/readyz',
    '/metrics',
    '/desk',
    '/desk/sign-in',
    '/desk/sign-out',
    '/desk/approvals',
    '/desk/admin/users',
    '/desk/requests/RD-00000000',
    '/requests/RD-00000000',
    '/api/v1/tickets',
    '/api/v1/recovery-requests',
    '/static/desk.css',
    '//[/',
    '//evil.test/x',
  ];
  /** A route written in any mix of cases, with something (percent-encoded controls included) after it. */
  const path = fc
    .tuple(
      fc.constantFrom(...ROUTES),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      fc.oneof(
        fc.constant(''),
        fc.constantFrom(
          '/%00',
          '%00',
          '/%0d%0a',
          '/%7f',
          '/%c2%85',
          '?x=%00',
          '/..%2f',
          '/%',
          '?next=//evil',
        ),
        fc.string({ maxLength: 20 }).map((s) => `/${encodeURIComponent(s)}`),
      ),
    )
    .map(([route, upper, tail]) => {
      const cased = [...route].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
      return `${cased}${tail}`;
    });

  it('any route in any case, with control characters after it, by GET or POST, as HTML or JSON: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        path,
        fc.boolean(),
        fc.constantFrom('text/html', 'application/json', '*/*'),
        async (p, post, accept) => {
          const req = post
            ? request(desk.app).post(p).type('form').send({ x: '\u0000' })
            : request(desk.app).get(p);
          const res = await req.set('Accept', accept).set('X-Forwarded-For', clientAddress());
          assertNo5xx(res.status, `${post ? 'POST' : 'GET'} ${p}`);
          assert.doesNotMatch(
            res.text ?? '',
            /\bat \S+ \(|node_modules|node:internal/,
            `no stack trace for ${p}`,
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('GET /api/v1/tickets?cursor= with any JSON in base64url (["1",1] and kin): never a 5xx', async () => {
    const due = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('1', '2024-02-31 10:00:00+00', '2024-10-31 25:61:00+00', '0000-01-01 00:00:00+00'),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').replace('Z', '+00')),
    );
    const cursor = fc
      .oneof(fc.tuple(due, fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }))), anyValue)
      .map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url'));
    await fc.assert(
      fc.asyncProperty(cursor, async (c) => {
        const res = await request(desk.app)
          .get('/api/v1/tickets')
          .query({ cursor: c })
          .set('Authorization', `Bearer ${tech.token}`);
        assertNo5xx(res.status, `cursor ${c}`);
        // 431: a cursor so long that the request line passes Node's 16 KB header limit is refused
        // by the HTTP server itself, before the desk reads it.
        assert.ok([200, 400, 431].includes(res.status), `status ${res.status} for cursor ${c}`);
      }),
      { numRuns: 300 },
    );
  });
});
