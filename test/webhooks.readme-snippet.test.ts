// README "Webhooks" shows a receiver how to check a delivery's signature in a few lines of Node.
// This test takes that snippet out of README.md as it is written and runs it, in a Node process of
// its own (plain CommonJS, as a receiver would paste it), on a delivery the desk really signed and
// sent to a receiver started here: a README edit that breaks the snippet fails the test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { createUserWithToken } from './helpers/users.ts';
import { waitFor } from './helpers/wait.ts';
import { registerEndpoint, WebhookReceiver, type Received } from './helpers/webhook-receiver.ts';

const README = path.resolve(import.meta.dirname, '..', 'README.md');

/** The first ```js block of README's "### Webhooks" part. */
function readmeSnippet(): string {
  const readme = readFileSync(README, 'utf8');
  const part = /^### Webhooks\n([\s\S]*?)(?=^##? )/m.exec(readme)?.[1];
  assert.ok(part, 'README has a "### Webhooks" part');
  const code = /^```js\n([\s\S]*?)^```$/m.exec(part)?.[1];
  assert.ok(code, 'the Webhooks part has a ```js block');
  return code;
}

/** Runs the snippet's `verify(secret, rawBody, header)` in a fresh `node` and returns its answer. */
async function runSnippet(
  snippet: string,
  secret: string,
  rawBody: string,
  header: string,
): Promise<unknown> {
  const program = `${snippet}
const [secret, rawBody, header] = JSON.parse(process.argv[1]);
process.stdout.write(JSON.stringify(verify(secret, rawBody, header)));`;
  const child = spawn(
    process.execPath,
    ['--input-type=commonjs', '-e', program, JSON.stringify([secret, rawBody, header])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [status] = (await once(child, 'exit')) as [number];
  assert.equal(status, 0, `the snippet ran: ${err}`);
  return JSON.parse(out) as unknown;
}

let desk: TestDesk;
let receiver: WebhookReceiver;
before(async () => {
  receiver = await WebhookReceiver.start();
  desk = await startDesk({ env: { WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
});
after(async () => {
  await desk.stop();
  await receiver.stop();
});

describe("README's signature check", () => {
  it('when the snippet checks a delivery the desk signed, then it accepts it, and refuses another body, another secret or no signature', async () => {
    const snippet = readmeSnippet();
    assert.ok(snippet.trim().split('\n').length <= 12, 'a small snippet (about ten lines)');
    const admin = await createUserWithToken(desk.base.db, 'admin');
    const { secret } = await registerEndpoint(desk.app, admin.token, receiver.url);
    const filed = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    let delivery: Received | undefined;
    await waitFor(
      () => (delivery = receiver.received.find((r) => r.reference === filed.body.reference)) !== undefined,
      15_000,
      'the signed delivery',
    );
    const { body, signature } = delivery!;
    assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/);

    assert.equal(await runSnippet(snippet, secret, body, signature), true);
    assert.equal(
      await runSnippet(snippet, secret, body.replace('request.filed', 'request.rejected'), signature),
      false,
    );
    assert.equal(await runSnippet(snippet, `${secret}x`, body, signature), false);
    assert.equal(await runSnippet(snippet, secret, body, ''), false);
  });
});
