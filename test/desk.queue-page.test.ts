import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { csrfFrom, signInAs, type SignedIn } from './helpers/session.ts';
import { createUserWithToken } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
let tech: SignedIn;

async function fileAndMatch(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await request(desk.app)
    .post('/api/v1/recovery-requests')
    .send(validRequest(overrides))
    .expect(201);
  const reference = res.body.reference as string;
  await waitFor(
    async () =>
      (
        await desk.base.db.query(
          `SELECT 1 FROM recovery_requests WHERE reference = $1 AND status = 'triage'`,
          [reference],
        )
      ).length > 0,
    15_000,
    'the match',
  );
  return reference;
}

before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  tech = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

describe('the queue page', () => {
  it('when a technician opens /desk, then open requests are listed with verdict, due time and filters', async () => {
    const reference = await fileAndMatch();
    const page = await tech.agent.get('/desk').expect(200);
    assert.match(page.text, new RegExp(`href="/desk/requests/${reference}"`));
    assert.match(page.text, /class="verdict verdict-none"/);
    assert.match(page.text, /in \d+ (h|d)/);
    assert.match(page.text, /<label for="q">Search<\/label>/);
    assert.equal(page.headers['cache-control'], 'no-store');
  });

  it('when the customer typed HTML into their name, then the queue shows it as text', async () => {
    await fileAndMatch({ name: '<script>alert(1)</script><img src=x onerror=alert(2)>' });
    const page = await tech.agent.get('/desk').expect(200);
    assert.doesNotMatch(page.text, /<script>alert|<img src=x/);
    assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('when searched and filtered, then only matching requests show and the filters are kept', async () => {
    const reference = await fileAndMatch({ email: 'findme.queue@example.com' });
    const page = await tech.agent
      .get('/desk')
      .query({ q: 'FindMe.Queue@example.com', verdict: 'none' })
      .expect(200);
    const links = page.text.match(/href="\/desk\/requests\/RD-[0-9A-Z]{8}"/g) ?? [];
    assert.deepEqual(links, [`href="/desk/requests/${reference}"`]);
    assert.match(page.text, /value="FindMe.Queue@example.com"/);
    assert.match(page.text, /<option value="none" selected>/);
  });

  it('when a filter is not valid, then 400 says which', async () => {
    const page = await tech.agent.get('/desk').query({ status: 'nonsense' }).expect(400);
    assert.match(page.text, /status must be one of/);
  });

  it('when only the rows are asked for, then the fragment comes without the layout', async () => {
    const rows = await tech.agent.get('/desk').query({ fragment: 'rows' }).expect(200);
    assert.match(rows.text, /<table class="queue">/);
    assert.doesNotMatch(rows.text, /<html/);
  });

  it('when nobody is signed in, then /desk sends to the sign-in page and /desk/live is refused', async () => {
    const res = await request(desk.app).get('/desk').set('Accept', 'text/html').expect(303);
    assert.match(res.headers.location!, /^\/desk\/sign-in\?next=%2Fdesk/);
    await request(desk.app).get('/desk/live').set('Accept', 'text/event-stream').expect(401);
  });

  it('when a new match result is stored, then the live stream says so', async () => {
    const server = http.createServer(desk.app).listen(0);
    const { port } = server.address() as AddressInfo;
    const cookie = await signInCookie();
    const received = new Promise<string>((resolve, reject) => {
      const req = http.get(
        { port, path: '/desk/live', headers: { Cookie: cookie, Accept: 'text/event-stream' } },
        (res) => {
          assert.equal(res.statusCode, 200);
          let data = '';
          res.on('data', (chunk: Buffer) => {
            data += chunk.toString();
            if (data.includes('event: matched')) {
              req.destroy();
              resolve(data);
            }
          });
        },
      );
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    });
    await new Promise((r) => setTimeout(r, 500)); // the stream notes the latest result first
    await fileAndMatch();
    assert.match(await received, /event: matched\ndata: \{"at":/);
    server.close();
  });
});

/** A session cookie for a fresh technician, signed in through the form, for a raw HTTP client. */
async function signInCookie(): Promise<string> {
  const user = await createUserWithToken(desk.base.db, 'technician');
  const cookieOf = (res: { headers: Record<string, unknown> }) =>
    ((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');
  const form = await request(desk.app).get('/desk/sign-in').expect(200);
  const signedIn = await request(desk.app)
    .post('/desk/sign-in')
    .set('Cookie', cookieOf(form))
    .type('form')
    .send({ email: user.user.email, password: user.password, _csrf: csrfFrom(form.text) })
    .expect(303);
  return cookieOf(signedIn);
}
