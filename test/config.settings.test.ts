import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ SECRET_KEY: 'k'.repeat(32), ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('settings (README "Settings")', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-config-'));
    try {
      const config = loadConfig({ DATA_DIR: dir });
      assert.equal(config.port, 3000);
      assert.equal(config.publicUrl, 'http://localhost:3000');
      assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
      assert.equal(config.redisUrlIsDefault, true);
      assert.equal(config.databaseUrl, undefined);
      assert.equal(config.smtpUrl, undefined);
      assert.equal(config.mailFrom, 'Recovery Desk <desk@localhost>');
      assert.equal(config.logLevel, 'info');
      assert.equal(config.intakeLimitPerIp, 60);
      assert.equal(config.intakeLimitPerEmail, 10);
      assert.deepEqual(config.dueHours, { firstResponse: 8, resolution: 72 });
      assert.deepEqual(config.autoResend, { mode: 'strong', maxPerHour: 200 });
      assert.ok(Object.isFrozen(config));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when SECRET_KEY is unset, then one is generated into DATA_DIR on first start and reused after', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-config-'));
    try {
      const first = loadConfig({ DATA_DIR: dir }).secretKey;
      assert.ok(first.length >= 32);
      assert.equal(readFileSync(path.join(dir, 'secret-key'), 'utf8').trim(), first);
      assert.equal(loadConfig({ DATA_DIR: dir }).secretKey, first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when NODE_ENV=production and SECRET_KEY is unset, then the settings are refused', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      /SECRET_KEY: required when NODE_ENV=production/,
    );
  });

  it('when several settings are bad, then each bad variable is named', () => {
    const found = problems({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'not a url',
      SMTP_URL: 'http://mail',
      LOG_LEVEL: 'loud',
      INTAKE_LIMIT_PER_IP: '-1',
      INTAKE_LIMIT_PER_EMAIL: 'lots',
      SECRET_KEY: 'short',
      PUBLIC_URL: 'nope',
    });
    for (const name of [
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'SMTP_URL',
      'LOG_LEVEL',
      'INTAKE_LIMIT_PER_IP',
      'INTAKE_LIMIT_PER_EMAIL',
      'SECRET_KEY',
      'PUBLIC_URL',
    ]) {
      assert.ok(
        found.some((p) => p.startsWith(`${name}:`)),
        `${name} is named in ${found.join('; ')}`,
      );
    }
  });

  it('when FIRST_RESPONSE_HOURS or RESOLUTION_HOURS is 0, negative, text or over a year, then it is refused by name; decimals are taken', () => {
    for (const name of ['FIRST_RESPONSE_HOURS', 'RESOLUTION_HOURS']) {
      for (const bad of ['0', '-1', '-0.5', 'eight', '8h', '8761']) {
        const found = problems({ [name]: bad });
        assert.equal(found.length, 1, `${name}=${bad}: ${found.join('; ')}`);
        assert.match(found[0]!, new RegExp(`^${name}: must be a number of hours above 0`), `${name}=${bad}`);
      }
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-config-'));
    try {
      const config = loadConfig({ DATA_DIR: dir, FIRST_RESPONSE_HOURS: '0.5', RESOLUTION_HOURS: '36.25' });
      assert.deepEqual(config.dueHours, { firstResponse: 0.5, resolution: 36.25 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when AUTO_RESEND or AUTO_RESEND_MAX_PER_HOUR is bad, then it is refused by name; off and a count are taken', () => {
    for (const bad of ['on', 'STRONG', 'partial', '1']) {
      assert.match(
        problems({ AUTO_RESEND: bad }).join(';'),
        /^AUTO_RESEND: must be strong \(instant recovery\) or off$/,
      );
    }
    for (const bad of ['0', '-3', '2.5', 'many']) {
      const found = problems({ AUTO_RESEND_MAX_PER_HOUR: bad });
      assert.equal(found.length, 1, `AUTO_RESEND_MAX_PER_HOUR=${bad}: ${found.join('; ')}`);
      assert.match(found[0]!, /^AUTO_RESEND_MAX_PER_HOUR: /, bad);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-config-'));
    try {
      const config = loadConfig({ DATA_DIR: dir, AUTO_RESEND: 'off', AUTO_RESEND_MAX_PER_HOUR: '5' });
      assert.deepEqual(config.autoResend, { mode: 'off', maxPerHour: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when LICENSE_AUTHORITY_URL is not https (http beyond loopback) or set without its secret, then it is refused by name; unset, there is no authority', () => {
    for (const bad of ['http://licensing.example.com', 'ftp://127.0.0.1', 'licensing', 'http://10.0.0.5/x']) {
      assert.match(
        problems({ LICENSE_AUTHORITY_URL: bad, LICENSE_AUTHORITY_SECRET: 's'.repeat(16) }).join(';'),
        /^LICENSE_AUTHORITY_URL: /,
        bad,
      );
    }
    assert.match(
      problems({ LICENSE_AUTHORITY_URL: 'https://licensing.example.com' }).join(';'),
      /^LICENSE_AUTHORITY_SECRET: required when LICENSE_AUTHORITY_URL is set/,
    );
    assert.match(
      problems({ LICENSE_AUTHORITY_URL: 'https://l.example.com', LICENSE_AUTHORITY_SECRET: 'short' }).join(
        ';',
      ),
      /^LICENSE_AUTHORITY_SECRET: must be at least 16 characters long$/,
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-config-'));
    try {
      assert.equal(loadConfig({ DATA_DIR: dir }).licenceAuthority, undefined);
      const config = loadConfig({
        DATA_DIR: dir,
        LICENSE_AUTHORITY_URL: 'http://127.0.0.1:9999/desk/',
        LICENSE_AUTHORITY_SECRET: 's'.repeat(16),
      });
      assert.deepEqual(config.licenceAuthority, {
        url: 'http://127.0.0.1:9999/desk',
        secret: 's'.repeat(16),
        timeoutMs: 10_000,
        retryMs: 5_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when WEBHOOK_ALLOW_HOSTS, WEBHOOK_RETRY_SECONDS or WEBHOOK_TIMEOUT_MS is bad, then it is refused by name; a host list is taken', () => {
    for (const [name, bad] of [
      ['WEBHOOK_ALLOW_HOSTS', 'hooks.internal,bad host'],
      ['WEBHOOK_ALLOW_HOSTS', 'http://x'],
      ['WEBHOOK_RETRY_SECONDS', '0'],
      ['WEBHOOK_RETRY_SECONDS', 'soon'],
      ['WEBHOOK_TIMEOUT_MS', '5'],
      ['WEBHOOK_TIMEOUT_MS', '600000'],
    ] as const) {
      const found = problems({ [name]: bad });
      assert.equal(found.length, 1, `${name}=${bad}: ${found.join('; ')}`);
      assert.match(found[0]!, new RegExp(`^${name}: `), bad);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-config-'));
    try {
      const config = loadConfig({ DATA_DIR: dir, WEBHOOK_ALLOW_HOSTS: ' Hooks.Internal , 10.0.0.5,' });
      assert.deepEqual(config.webhooks, {
        allowHosts: ['hooks.internal', '10.0.0.5'],
        retrySeconds: 86_400,
        timeoutMs: 10_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the process starts with bad settings, then it exits 1 naming each variable before touching anything', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: 'x',
        LOG_LEVEL: 'loud',
        RESOLUTION_HOURS: '0',
        DATA_DIR: path.join(tmpdir(), 'rd-never-created'),
      },
      encoding: 'utf8',
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /PORT:/);
    assert.match(result.stderr, /LOG_LEVEL:/);
    assert.match(result.stderr, /RESOLUTION_HOURS: must be a number of hours/);
  });
});
