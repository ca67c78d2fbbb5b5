import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createApp } from '../src/http/app.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';

// Issue 11, finding 8 (/metrics and /readyz tell strangers too much) and the error-page part of
// finding 13 (a development error page with a stack trace and the server's paths).

const METRICS_TOKEN = 'scrape-me-0123456789abcdef';
let desk: TestDesk;
before(async () => {
  desk = await startDesk({ workers: false });
});
after(() => desk.stop());

/** The same desk's HTTP side under other settings (the same database, Redis and deps otherwise). */
function appWith(config: Partial<TestDesk['web']['config']>) {
  return createApp({ ...desk.web, config: Object.freeze({ ...desk.web.config, ...config }) });
}

/** A raw GET, for request targets supertest would normalise (`//[/`). */
async function rawGet(server: Server, target: string, accept: string) {
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { Accept: accept } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('finding 8: metrics and readiness', () => {
  it('finding 8: when METRICS_TOKEN is set, then /metrics answers only its bearer (401 otherwise)', async () => {
    const app = appWith({ metricsToken: METRICS_TOKEN });
    const none = await request(app).get('/metrics').expect(401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.doesNotMatch(none.text, /desk_/);
    await request(app).get('/metrics').set('Authorization', 'Bearer not-the-token').expect(401);
    await request(app).get('/metrics').set('Authorization', `Basic ${METRICS_TOKEN}`).expect(401);
    await request(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
    const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    assert.match(ok.text, /desk_intake_requests_total/);
  });

  it('finding 8: when METRICS_TOKEN is not set, then /metrics is 404 in production and open elsewhere', async () => {
    const production = await request(appWith({ env: 'production', metricsToken: undefined }))
      .get('/metrics')
      .expect(404);
    assert.doesNotMatch(production.text, /desk_|nodejs/);
    await request(appWith({ env: 'development', metricsToken: undefined }))
      .get('/metrics')
      .expect(200);
  });

  it('finding 8: when METRICS_TOKEN is set, then it is read from the environment, and a short one stops the desk naming it', () => {
    const env = { NODE_ENV: 'test', DATA_DIR: desk.dataDir, SECRET_KEY: 'k'.repeat(32) };
    assert.equal(loadConfig({ ...env, METRICS_TOKEN: METRICS_TOKEN }).metricsToken, METRICS_TOKEN);
    assert.equal(loadConfig(env).metricsToken, undefined);
    assert.throws(
      () => loadConfig({ ...env, METRICS_TOKEN: 'short' }),
      (error: unknown) => error instanceof ConfigError && /METRICS_TOKEN/.test(error.message),
    );
  });

  it('finding 8: when Redis is down, then /readyz says "unavailable" for it with no internal error text', async () => {
    await desk.redis.stop();
    try {
      const down = await request(desk.app).get('/readyz').expect(503);
      assert.deepEqual(down.body, { status: 'not_ready', database: 'ok', redis: 'unavailable' });
    } finally {
      await desk.redis.start();
    }
  });
});

describe('finding 13: error pages', () => {
  it('finding 13: when the request target is //[/ in development, then a 404 page without a stack trace or a path of the server', async () => {
    const app = appWith({ env: 'development' });
    app.set('env', 'development');
    const server = app.listen(0);
    await once(server, 'listening');
    try {
      for (const target of ['//[/', '//[', '//evil.test/x']) {
        const res = await rawGet(server, target, 'text/html');
        assert.equal(res.status, 404, target);
        assert.doesNotMatch(
          res.body,
          /TypeError|\bat \S+ \(|node:internal|\/work\/|node_modules|src\//,
          target,
        );
        // The page's language links stay on this site (`//evil.test` would be another one).
        assert.doesNotMatch(res.body, /href="\/\//, target);
      }
    } finally {
      server.close();
    }
  });
});
