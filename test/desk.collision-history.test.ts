import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
import { fileMatchedRequest, postDecision, purchase, startDecisionDesk } from './helpers/tickets.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

// SPEC §11: who else has a request open and who is typing (Redis, expiring within 30 s); the
// requester's other requests on the request page; times in words with the exact time on hover.

let desk: TestDesk;
let alice: SignedIn & TestUser;
let bob: SignedIn & TestUser;
let redis: Redis;
before(async () => {
  desk = await startDecisionDesk();
  alice = await signInAs(desk.app, desk.base.db, 'technician');
  bob = await signInAs(desk.app, desk.base.db, 'technician');
  redis = new Redis(desk.redis.url, { lazyConnect: true });
  await redis.connect();
});
after(async () => {
  redis.disconnect();
  await desk.stop();
});

const page = async (who: SignedIn, reference: string) =>
  (await who.agent.get(`/desk/requests/${reference}`).expect(200)).text;
const report = (who: SignedIn, reference: string, fields: Record<string, string> = {}) =>
  postForm(who, `/desk/requests/${reference}/presence`, fields);
const presenceLine = (html: string) => /<p id="presence"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';

describe('presence on the request page', () => {
  it('when Bob has a request open and types, then Alice sees him there and typing; he sees her; nobody sees themself', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    assert.equal(presenceLine(await page(alice, reference)), '', 'alone on the page');
    const toBob = await report(bob, reference, { typing: 'true' }).expect(200);
    assert.deepEqual(toBob.body, { others: [{ email: alice.user.email, typing: false }] });
    const line = presenceLine(await page(alice, reference));
    assert.ok(line.includes(`${bob.user.email} is typing…`), line);
    assert.ok(!line.includes(alice.user.email), 'Alice is not listed to herself');

    await report(bob, reference, { typing: 'false' }).expect(200);
    const quiet = presenceLine(await page(alice, reference));
    assert.ok(quiet.includes(bob.user.email) && !quiet.includes('typing'), quiet);
  });

  it('when Bob closes the page, then he is gone at once; and every mark in Redis expires within 30 s', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    await page(alice, reference);
    await report(bob, reference, { typing: 'true' }).expect(200);
    const keys = await redis.keys(`*presence:${reference}:*`);
    assert.equal(keys.length, 2, keys.join());
    const now = Date.now();
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      assert.ok(ttl > 0 && ttl <= 30_000, `${key} expires in ${ttl} ms`);
      const scores = (await redis.zrange(key, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1);
      for (const score of scores) assert.ok(Number(score) <= now + 30_000 + 1_000, `${key}: ${score}`);
    }
    await report(bob, reference, { leave: 'true' }).expect(204);
    assert.equal(presenceLine(await page(alice, reference)), '');
  });

  it('when the holder is typing, then the take-over confirmation says so', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    await postForm(alice, `/desk/requests/${reference}/claim`).expect(303);
    await report(alice, reference, { typing: 'true' }).expect(200);
    const html = await page(bob, reference);
    const details = /<details class="take-over">([\s\S]*?)<\/details>/.exec(html)?.[1] ?? '';
    assert.ok(details.includes(`${alice.user.email} is typing in this request right now.`), details);
  });

  it('when a report is not one, or names no request, then 422 and nothing is stored', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    await report(bob, reference, { typing: 'maybe' }).expect(422);
    await report(bob, 'not a reference', {}).expect(422);
    assert.deepEqual(await redis.keys(`*presence:${reference}:*`), []);
  });

  it('when a visitor is not signed in, then a report is refused', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    const res = await (
      await import('supertest')
    )
      .default(desk.app)
      .post(`/desk/requests/${reference}/presence`)
      .type('form')
      .send({ typing: 'true' });
    assert.ok([401, 403].includes(res.status), String(res.status));
  });
});

describe("the requester's other requests", () => {
  it('when the same mailbox or the same licence filed before, then each request lists the others with status and outcome, both ways', async () => {
    const bought = await purchase(desk);
    const first = await fileMatchedRequest(desk, bought);
    // Same licence, from another address: related by licence.
    const second = await fileMatchedRequest(desk, bought, { email: 'someone.else@example.org' });
    // Same mailbox (Gmail dots and case folded), another licence: related by mailbox.
    const [local, domain] = bought.purchaser_email.split('@');
    const third = await fileMatchedRequest(desk, null, { email: `${local!.toUpperCase()}@${domain}` });
    const stranger = await fileMatchedRequest(desk, await purchase(desk));

    const tech = await createUserWithToken(desk.base.db, 'technician');
    await postDecision(desk, tech.token, first.reference, { type: 'reject', reason: 'duplicate' }).expect(
      200,
    );

    const html = await page(alice, second.reference);
    const section = /<h2 id="related-heading">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    assert.ok(section.includes(`href="/desk/requests/${first.reference}"`), 'the first, by licence');
    assert.ok(section.includes('rejected: duplicate of another request'), section);
    assert.ok(!section.includes(stranger.reference));

    const fromFirst = await page(alice, first.reference);
    const firstSection = /<h2 id="related-heading">[\s\S]*?<\/section>/.exec(fromFirst)?.[0] ?? '';
    assert.ok(firstSection.includes(`/desk/requests/${second.reference}"`), 'linked back');
    assert.ok(firstSection.includes(`/desk/requests/${third.reference}"`), 'same mailbox');
    assert.match(firstSection, /same mailbox/);
    assert.match(firstSection, /same licence/);
    assert.ok(!firstSection.includes(stranger.reference));
    assert.ok(!firstSection.includes(`/desk/requests/${first.reference}"`), 'not itself');
  });

  it('when a request is the only one, then the page says so', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    assert.match(await page(alice, reference), /None: this is the only request from this mailbox/);
  });
});

describe('times on the request page', () => {
  it('when the page shows when something happened, then it says it in words with the exact UTC time on hover', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    const html = await page(alice, reference);
    const times = [...html.matchAll(/<time datetime="([^"]+)" title="([^"]+)">([^<]+)<\/time>/g)];
    assert.ok(times.length >= 2, 'the filing and the history are <time> elements');
    for (const [, iso, exact, words] of times) {
      assert.equal(exact, `${iso!.slice(0, 16).replace('T', ' ')} UTC`);
      assert.match(words!, /^(just now|\d+ minutes? ago|1 minute ago)$/);
    }
  });
});

describe('refusals on the request page are sentences', () => {
  it('when a question is empty or an address is not one, then the page says so in words, never as the API does, and keeps what was typed', async () => {
    const { reference } = await fileMatchedRequest(desk, await purchase(desk));
    const html = await page(alice, reference);
    const key = (type: string) =>
      new RegExp(
        `name="type" value="${type}">\\s*<input type="hidden" name="idempotency_key" value="([^"]+)"`,
      ).exec(html)?.[1] ?? '';
    const empty = await postForm(alice, `/desk/requests/${reference}/decisions`, {
      type: 'request_info',
      message: '   ',
      idempotency_key: key('request_info'),
    }).expect(422);
    assert.ok(empty.text.includes('The message must not be empty.'), 'a sentence');
    assert.ok(!empty.text.includes('body is not valid'));
    const address = await postForm(alice, `/desk/requests/${reference}/decisions`, {
      type: 'reissue',
      mode: 'resend',
      to: 'buyer at example.org',
      idempotency_key: key('reissue'),
    }).expect(422);
    assert.ok(address.text.includes('The address is not an email address.'));
    assert.ok(address.text.includes('value="buyer at example.org"'), 'the address typed is kept');
  });
});
