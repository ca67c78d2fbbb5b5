import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { STATUS_TOKEN_LIMITS } from '../src/limits/status-token-limits.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';

// README "Security", client address: which X-Forwarded-For hops the desk believes (TRUST_PROXY), and
// status-token guessing limits that never lock out people who did nothing (issue 11, finding 2).
//
// supertest connects from loopback, so "a proxy on another host" is the proxy at PROXY seen
// through a local hop: the desk hears `X-Forwarded-For: <what the client wrote…>, client, PROXY`
// from 127.0.0.1, and believes loopback and 10.0.0.0/8 (or, in one test, two hops).

const PROXY = '10.1.2.3';
const ADDRESS_LIMIT = STATUS_TOKEN_LIMITS.perAddress.wrong;
const REFERENCE_LIMIT = STATUS_TOKEN_LIMITS.perReference.wrong;

let desk: TestDesk;
before(async () => {
  desk = await startDesk({
    workers: false,
    env: { TRUST_PROXY: 'loopback, 10.0.0.0/8', INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' },
  });
});
after(async () => {
  await desk.stop();
});

/** The X-Forwarded-For the desk hears from its local hop when `client` comes through PROXY. */
const via = (client: string, ...writtenByClient: string[]) => [...writtenByClient, client, PROXY].join(', ');

type Door = 'page' | 'api' | 'reply';
const DOORS: Door[] = ['page', 'api', 'reply'];

/** One try at a request's status through one of the three doors a status token opens. */
function open(app: TestDesk['app'], door: Door, reference: string, token: string, forwardedFor: string) {
  const req =
    door === 'page'
      ? request(app).get(`/requests/${reference}`).query({ token })
      : door === 'api'
        ? request(app).get(`/api/v1/recovery-requests/${reference}`).set('Authorization', `Bearer ${token}`)
        : request(app)
            .post(`/requests/${reference}/reply`)
            .query({ token })
            .type('form')
            .send({ message: 'hi' });
  return req.set('X-Forwarded-For', forwardedFor);
}

async function fileRequest(app: TestDesk['app'] = desk.app): Promise<{ reference: string; token: string }> {
  const res = await request(app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
  return res.body as { reference: string; token: string };
}

const wrongToken = () => randomBytes(32).toString('base64url');
const randomReference = () => `RD-${randomBytes(4).toString('hex').toUpperCase()}`;

/** `count` wrong guesses from one forwarded address, cycling through the three doors; each answer's status. */
async function guessWrong(
  app: TestDesk['app'],
  reference: () => string,
  forwardedFor: (i: number) => string,
  count: number,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++)
    statuses.push((await open(app, DOORS[i % 3]!, reference(), wrongToken(), forwardedFor(i))).status);
  return statuses;
}

describe('the client behind a proxy on another host', { timeout: 120_000 }, () => {
  it(`finding 2: when one client behind the proxy guesses ${ADDRESS_LIMIT}+ wrong tokens, then that client is refused (429) and another client through the same proxy still opens their status page and is not refused`, async () => {
    const victim = await fileRequest();
    const attacker = '198.51.100.66';
    const guesses = await guessWrong(
      desk.app,
      () => (Math.random() < 0.5 ? victim.reference : randomReference()),
      () => via(attacker),
      ADDRESS_LIMIT,
    );
    assert.deepEqual(new Set(guesses), new Set([404]), 'each wrong guess is a 404 until the limit');
    for (const door of DOORS) {
      const refused = await open(desk.app, door, victim.reference, wrongToken(), via(attacker));
      assert.equal(refused.status, 429, `the attacker is refused at the ${door}`);
      assert.ok(Number(refused.headers['retry-after']) > 0);
    }

    const customer = via('203.0.113.10');
    await open(desk.app, 'page', victim.reference, victim.token, customer).expect(200);
    await open(desk.app, 'api', victim.reference, victim.token, customer).expect(200);
    await open(desk.app, 'page', victim.reference, 'a typo', customer).expect(404);
  });

  it(`finding 2: when many addresses guess wrong tokens for one reference (${REFERENCE_LIMIT} in all), then further wrong tokens for it are refused (429) from any address, while its right token still opens it and other references are untouched`, async () => {
    const target = await fileRequest();
    const other = await fileRequest();
    const guessers = REFERENCE_LIMIT / 3;
    for (let g = 0; g < guessers; g++) {
      const statuses = await guessWrong(
        desk.app,
        () => target.reference,
        () => via(`192.0.2.${g + 1}`),
        3,
      );
      assert.deepEqual(statuses, [404, 404, 404], `guesser ${g} is not refused: it guessed only 3 times`);
    }

    const fresh = via('203.0.113.20');
    for (const door of DOORS) {
      const refused = await open(desk.app, door, target.reference, wrongToken(), fresh);
      assert.equal(refused.status, 429, `a wrong token for the reference is refused at the ${door}`);
      assert.ok(Number(refused.headers['retry-after']) > 0);
    }
    // The reference's own customer, and anyone else, is not locked out.
    await open(desk.app, 'page', target.reference, target.token, fresh).expect(200);
    await open(desk.app, 'api', target.reference, target.token, fresh).expect(200);
    // The token is accepted; the request is simply not waiting for an answer.
    await open(desk.app, 'reply', target.reference, target.token, fresh).expect(409);
    await open(desk.app, 'page', other.reference, wrongToken(), fresh).expect(404);
    await open(desk.app, 'page', other.reference, other.token, fresh).expect(200);
    await open(desk.app, 'page', target.reference, target.token, via('192.0.2.1')).expect(200);
  });

  it('finding 2: when one client guesses from many addresses of one IPv6 /64, then they count as one client, and a neighbour in another /64 is not refused', async () => {
    const filed = await fileRequest();
    const inSubnet = () => `2001:db8:a:b:${[0, 0, 0, 0].map(() => randomBytes(2).toString('hex')).join(':')}`;
    const guesses = await guessWrong(desk.app, randomReference, () => via(inSubnet()), ADDRESS_LIMIT);
    assert.deepEqual(new Set(guesses), new Set([404]));
    await open(desk.app, 'page', filed.reference, filed.token, via(inSubnet())).expect(429);
    await open(desk.app, 'page', filed.reference, filed.token, via('2001:db8:a:b::1')).expect(429);

    const neighbour = via('2001:db8:a:c::1');
    await open(desk.app, 'page', filed.reference, filed.token, neighbour).expect(200);
    await open(desk.app, 'api', randomReference(), wrongToken(), neighbour).expect(404);
  });

  it('finding 2: when a client writes its own X-Forwarded-For entries, then only the trusted hops are believed, and changing what it writes does not dodge the limit', async () => {
    const filed = await fileRequest();
    const client = '203.0.113.50';
    const spoofs = (i: number) =>
      [
        [`198.18.${i}.1`],
        [`10.9.9.${i}`], // inside the trusted range, but written by the client
        [`2001:db8:ffff:${i}::1`, '127.0.0.1'],
        ['unknown'],
        [''],
      ][i % 5]!;
    const guesses = await guessWrong(
      desk.app,
      randomReference,
      (i) => via(client, ...spoofs(i)),
      ADDRESS_LIMIT,
    );
    assert.deepEqual(new Set(guesses), new Set([404]));
    await open(desk.app, 'page', filed.reference, filed.token, via(client, '198.18.200.1')).expect(429);
    await open(desk.app, 'page', filed.reference, filed.token, via(client)).expect(429);
    // Someone else who writes the same entries is still themselves.
    await open(desk.app, 'page', filed.reference, filed.token, via('203.0.113.51', '198.18.200.1')).expect(
      200,
    );
  });

  it('finding 2: when a recovery request is filed through the proxy, then the desk records the client’s address and network, not the proxy’s', async () => {
    const res = await request(desk.app)
      .post('/api/v1/recovery-requests')
      .set('X-Forwarded-For', via('198.51.100.23', '203.0.113.99'))
      .send(validRequest())
      .expect(201);
    const [row] = await desk.base.db.query<{ client_ip: string; client_network: string }>(
      'SELECT client_ip, client_network FROM recovery_requests WHERE reference = $1',
      [(res.body as { reference: string }).reference],
    );
    assert.deepEqual(row, { client_ip: '198.51.100.23', client_network: '198.51.100.0/24' });
  });

  it('finding 2: when TRUST_PROXY is a hop count, then that many hops are believed: one client’s guesses do not refuse another', async () => {
    const hops = await startDesk({
      workers: false,
      redis: desk.redis,
      smtp: desk.smtp,
      database: desk.database,
      env: { TRUST_PROXY: '2', INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' },
    });
    try {
      const filed = await fileRequest(hops.app);
      // Two hops: the local one and the proxy at PROXY. What the client wrote before them is ignored.
      const guesses = await guessWrong(
        hops.app,
        randomReference,
        (i) => via('198.51.100.77', `198.18.0.${i}`),
        ADDRESS_LIMIT,
      );
      assert.deepEqual(new Set(guesses), new Set([404]));
      await open(hops.app, 'page', filed.reference, filed.token, via('198.51.100.77')).expect(429);
      await open(hops.app, 'page', filed.reference, filed.token, via('198.51.100.78')).expect(200);
    } finally {
      await hops.stop();
    }
  });
});

describe('the TRUST_PROXY setting', () => {
  const problems = (value: string): string[] => {
    try {
      loadConfig({ SECRET_KEY: 'k'.repeat(32), TRUST_PROXY: value });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };
  const trustProxy = (env: Record<string, string>) =>
    loadConfig({ SECRET_KEY: 'k'.repeat(32), DATA_DIR: tmpdir(), ...env }).trustProxy;

  it('when TRUST_PROXY is unset, a hop count, false, or addresses, CIDRs and names, then it is taken as Express’s trust proxy', () => {
    assert.deepEqual(trustProxy({}), ['loopback']);
    assert.equal(trustProxy({ TRUST_PROXY: '2' }), 2);
    assert.equal(trustProxy({ TRUST_PROXY: 'false' }), 0);
    assert.deepEqual(trustProxy({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8, uniquelocal, 192.0.2.7' }), [
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      'uniquelocal',
      '192.0.2.7',
    ]);
  });

  it('finding 2: when TRUST_PROXY is not a hop count, an address, a CIDR or a known name, or is true, then the settings are refused naming TRUST_PROXY', () => {
    for (const bad of [
      'true',
      'yes',
      '10.0.0.0/33',
      '::1/129',
      'loopback,',
      'localhost',
      '-1',
      '1.5',
      '300.1.1.1',
    ]) {
      const found = problems(bad);
      assert.ok(
        found.length === 1 && found[0]!.startsWith('TRUST_PROXY:'),
        `${bad}: ${found.join('; ') || 'accepted'}`,
      );
    }
  });

  it('finding 2: when the process starts with a bad TRUST_PROXY, then it exits 1 naming TRUST_PROXY before touching anything', () => {
    const dataDir = path.join(tmpdir(), `rd-never-created-${randomBytes(4).toString('hex')}`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, TRUST_PROXY: '10.0.0.0/33', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /TRUST_PROXY:/);
    assert.equal(existsSync(dataDir), false);
  });
});
