/** HTTP load for the bench: autocannon for peak throughput, a keep-alive client for the rest. */
import http from 'node:http';
import autocannon from 'autocannon';
import type { RequestBody } from './data.ts';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const json = (body: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export interface Throughput {
  /** 201 answers per second */
  accepted: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
}

/**
 * POSTs the bodies in turn (each connection takes the next one) at `connections` connections for
 * `seconds`, as fast as the server answers; counts the 201s.
 */
export async function intakeLoad(
  baseUrl: string,
  bodies: readonly RequestBody[],
  connections: number,
  seconds: number,
): Promise<Throughput> {
  let next = 0;
  const encoded = bodies.map((b) => JSON.stringify(b));
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/recovery-requests',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: encoded[next++ % encoded.length]! }),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, n] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = (n as { count: number }).count;
  return {
    accepted: (statuses['201'] ?? 0) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
  };
}

/** Requests one after another on `connections` loops for `seconds`; every reply's time. */
export async function closedLoop(
  connections: number,
  seconds: number,
  next: (i: number) => Promise<Reply>,
): Promise<{ ms: number[]; statuses: Record<string, number> }> {
  const ms: number[] = [];
  const statuses: Record<string, number> = {};
  const until = performance.now() + seconds * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const reply = await next(i++);
        ms.push(reply.ms);
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      }
    }),
  );
  return { ms, statuses };
}

/**
 * An open loop: starts `rate` requests a second, evenly spaced, for `seconds` (each one whether
 * or not the earlier ones have answered, up to `maxInFlight`); resolves once all have answered.
 */
export async function paced<T>(
  rate: number,
  seconds: number,
  maxInFlight: number,
  start: (i: number, sentAt: number) => Promise<T>,
): Promise<{ results: T[]; skipped: number }> {
  const total = Math.max(1, Math.round(rate * seconds));
  const began = performance.now();
  const pending: Promise<void>[] = [];
  const results: T[] = [];
  let inFlight = 0;
  let skipped = 0;
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= maxInFlight) {
      skipped++;
      continue;
    }
    inFlight++;
    pending.push(
      start(i, Date.now()).then(
        (r) => {
          inFlight--;
          results.push(r);
        },
        () => {
          inFlight--;
          skipped++;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { results, skipped };
}

/** Signs in to the console through its form, as a browser does; the session cookie. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const form = await send(`${baseUrl}/desk/sign-in`);
  const cookie = cookieOf(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (!csrf) throw new Error(`no CSRF field on the sign-in page (${form.status})`);
  const posted = await send(`${baseUrl}/desk/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ email, password, _csrf: csrf }).toString(),
  });
  if (posted.status !== 303) throw new Error(`sign-in answered ${posted.status}`);
  return cookieOf(posted) || cookie;
}

function cookieOf(reply: Reply): string {
  return (reply.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
}
