import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { normaliseMailbox } from '../src/identifiers/mailbox.ts';
import { buildClaim, type ClaimInput } from '../src/matching/claim.ts';
import { evaluateMatching, readLabelled, type LabelledRequest } from '../src/matching/evaluation.ts';
import type { MatchResult } from '../src/matching/match-result.ts';
import type { PurchaseRecord } from '../src/purchases/purchase-record.ts';
import { decide } from '../src/matching/verdict.ts';
import { freshDatabase } from './helpers/database.ts';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { insertPurchase, type TestPurchase } from './helpers/purchases.ts';
import { signInAs } from './helpers/session.ts';
import { postDecision } from './helpers/tickets.ts';
import { waitFor } from './helpers/wait.ts';
import { claimFor as claim, purchaseRecord as purchase, TODAY } from './helpers/matching.ts';

// A stolen receipt (README "Security"): licence, order number, store and date are printed on a
// receipt or a box and can be stolen with it; the buyer's mailbox and name are not.

const THIEF = { email: 'carlos.fischer@yandex.ru', name: 'Carlos Fischer' };

/** What a receipt or a box shows of a purchase, as the form's fields. */
const factsOf = (p: TestPurchase) => ({
  license_number: p.license_number,
  order_number: p.order_number,
  channel: p.channel,
  store: p.store,
  country: p.country,
  purchased_on: p.purchased_at,
});

describe('a stolen receipt (finding 12)', () => {
  it("finding 12: when a claim carries every purchase fact of someone else's licence with the claimant's own mailbox and name, then conflict with buyer_identity_differs", () => {
    const d = decide(claim(THIEF), [purchase()], TODAY);
    assert.equal(d.verdict, 'conflict');
    assert.ok(d.flags.includes('buyer_identity_differs'), `flags: ${d.flags.join(', ')}`);
    assert.ok(d.flags.includes('email_differs'));
    assert.match(d.reasons[0]!, /neither the address nor the name is the buyer's/);
    assert.match(d.reasons[0]!, /receipt/);
  });

  it('finding 12: when the receipt is copied as people type it (lower case, spaces, googlemail) with a licence one character off, then still conflict', () => {
    const d = decide(
      claim({
        ...THIEF,
        email: 'Carlos.Fischer+licence@googlemail.com',
        license_number: '9b45 c3e6a2 63165c61',
        order_number: 'es 2023 29324734',
        store: 'online store uk',
        country: 'gb',
      }),
      [purchase()],
      TODAY,
    );
    assert.equal(d.verdict, 'conflict');
    assert.ok(d.flags.includes('buyer_identity_differs'));
  });

  it("finding 12: when the mailbox is new but the name is the buyer's, slightly misspelt, reordered or with an initial, then partial, not conflict", () => {
    for (const name of ['Olga Hughs', 'Hughes Olga', 'O. Hughes', 'OLGA HUGHES']) {
      const d = decide(claim({ email: 'olga.new@outlook.com', name }), [purchase()], TODAY);
      assert.equal(d.verdict, 'partial', name);
      assert.ok(d.flags.includes('email_differs'), name);
      assert.ok(!d.flags.includes('buyer_identity_differs'), name);
    }
  });

  it("finding 12: when the name is someone else's but the mailbox is the buyer's (dots, +tag, googlemail), then partial, not conflict", () => {
    for (const email of ['olgahughes+keys@googlemail.com', 'Olga.Hughes@gmail.com']) {
      const d = decide(claim({ email, name: 'Carlos Fischer' }), [purchase()], TODAY);
      assert.equal(d.verdict, 'partial', email);
      assert.match(d.reasons[0]!, /name differs/);
      assert.ok(!d.flags.includes('buyer_identity_differs'), email);
    }
  });

  it("finding 12: when the mailbox is the buyer's at another domain and the name someone else's, then partial: one of the two still points at the buyer", () => {
    // The buyer's Gmail address is olga.hughes@gmail.com: with or without the dot, it is her name.
    for (const email of ['olga.hughes@yahoo.com', 'olgahughes@yahoo.com']) {
      const d = decide(claim({ email, name: 'Carlos Fischer' }), [purchase()], TODAY);
      assert.equal(d.verdict, 'partial', email);
      assert.ok(!d.flags.includes('buyer_identity_differs'), email);
    }
  });

  it('finding 12: when only the licence number comes with a foreign mailbox and name (a box: no order number, store or date given), then conflict, as a full receipt would be', () => {
    const box = purchase({
      channel: 'retail_box',
      store: 'MediaMarkt',
      country: 'DE',
      order_number: 'R84159/0084',
      order_key: 'R84159/0084',
    });
    const d = decide(
      claim({
        ...THIEF,
        order_number: '',
        channel: 'retail_box',
        store: '',
        country: '',
        purchased_on: '',
      }),
      [box],
      TODAY,
    );
    assert.equal(d.verdict, 'conflict');
    assert.ok(d.flags.includes('buyer_identity_differs'));
    assert.match(d.reasons[0]!, /receipt/, 'giving fewer facts does not escape the rule');
  });

  it('finding 12: when a licence comes with a foreign mailbox and name and a contradicted order and date, then conflict naming what contradicts', () => {
    const d = decide(
      claim({ ...THIEF, order_number: 'ES-2024-11111111', purchased_on: '2023-01-02' }),
      [purchase()],
      TODAY,
    );
    assert.equal(d.verdict, 'conflict');
    assert.ok(d.flags.includes('buyer_identity_differs'));
    assert.match(d.reasons[0]!, /order number, purchased on contradict/);
  });
});

// Disjoint pools: no word of a thief's name is a buyer's, an initial of one, or one letter off.
const BUYER_FIRST = ['Olga', 'Anna', 'James', 'Liam', 'Priya', 'Chen', 'Ingrid'];
const BUYER_LAST = ['Hughes', 'Schmidt', 'Walker', 'Garcia', 'Sharma', 'Wei', 'Larsen'];
const THIEF_FIRST = ['Carlos', 'Hiroshi', 'Yusuf', 'Daniela', 'Tomas', 'Fatima', 'Mbali'];
const THIEF_LAST = ['Fischer', 'Sato', 'Jones', 'Kowalski', 'Muller', 'Petrov', 'Okafor'];
const STORES: Record<string, string[]> = {
  estore: ['Online Store UK', 'Online Store DE', 'eStore India'],
  partner: ['Amazon.com', 'Currys PC World', 'Flipkart'],
  retail_box: ['MediaMarkt', 'М.Видео', 'Best Buy'],
};

// Numbers, not arrays of characters: a failure then shrinks in a few steps.
const hex = (n: number) =>
  fc
    .bigInt({ min: 0n, max: 16n ** BigInt(n) - 1n })
    .map((v) => v.toString(16).padStart(n, '0').toUpperCase());
const day = fc
  .integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2026, 9, 1) })
  .map((t) => new Date(t).toISOString().slice(0, 10));

const generatedPurchase = fc
  .record({
    number: hex(18),
    key: hex(32),
    orderDigits: fc.integer({ min: 10_000_000, max: 99_999_999 }),
    channel: fc.constantFrom('estore', 'partner', 'retail_box'),
    storeIndex: fc.nat({ max: 2 }),
    country: fc.constantFrom('GB', 'DE', 'US', 'RU', 'IN', 'FR'),
    purchasedAt: day,
    first: fc.constantFrom(...BUYER_FIRST),
    last: fc.constantFrom(...BUYER_LAST),
    domain: fc.constantFrom('gmail.com', 'web.de', 'yahoo.co.uk', 'example-smallbiz.com'),
  })
  .map((g) => {
    const email = `${g.first}.${g.last}@${g.domain}`.toLowerCase();
    const order = `ES-2024-${g.orderDigits}`;
    return purchase({
      license_number: `${g.number.slice(0, 4)}-${g.number.slice(4, 10)}-${g.number.slice(10)}`,
      license_key: `${g.key.slice(0, 8)}-${g.key.slice(8, 12)}-${g.key.slice(12, 16)}-${g.key.slice(16, 20)}-${g.key.slice(20)}`,
      order_number: order,
      order_key: order.replace(/-/g, ''),
      channel: g.channel,
      store: STORES[g.channel]![g.storeIndex]!,
      country: g.country,
      purchased_at: g.purchasedAt,
      purchaser_email: email,
      purchaser_mailbox: normaliseMailbox(email),
      purchaser_name: `${g.first} ${g.last}`,
    });
  });

/** How a claimant types the receipt's facts: the licence in any case and spacing, any fact left out. */
const OPTIONAL_FACTS = ['order_number', 'channel', 'store', 'country', 'purchased_on'] as const;
interface CopyWay {
  lower: boolean;
  spaces: boolean;
  withKey: boolean;
  drop: (typeof OPTIONAL_FACTS)[number][];
}
const copyWay: fc.Arbitrary<CopyWay> = fc.record({
  lower: fc.boolean(),
  spaces: fc.boolean(),
  withKey: fc.boolean(),
  drop: fc.subarray([...OPTIONAL_FACTS]),
});

function copyFacts(p: PurchaseRecord, way: CopyWay) {
  let number = way.spaces ? p.license_number.replace(/-/g, ' ') : p.license_number;
  if (way.lower) number = number.toLowerCase();
  const facts: Omit<ClaimInput, 'email' | 'name'> = {
    license_number: number,
    license_key: way.withKey ? p.license_key : '',
    order_number: p.order_number,
    channel: p.channel,
    store: p.store,
    country: p.country,
    purchased_on: p.purchased_at,
  };
  for (const f of way.drop) facts[f] = '';
  return facts;
}

const foreignIdentity = fc
  .record({
    first: fc.constantFrom(...THIEF_FIRST),
    last: fc.constantFrom(...THIEF_LAST),
    n: fc.nat({ max: 99 }),
    domain: fc.constantFrom('yandex.ru', 'outlook.com', 'proton.me', 'gmail.com'),
  })
  .map((t) => ({
    email: `${t.first}${t.last}${t.n}@${t.domain}`.toLowerCase(),
    name: `${t.first} ${t.last}`,
  }));

describe('a stolen receipt, for any purchase (finding 12)', () => {
  it('finding 12: when a claim copies the purchase facts of a generated purchase with a different mailbox and a different name, then it is never strong or partial, always conflict with buyer_identity_differs', () => {
    fc.assert(
      fc.property(generatedPurchase, copyWay, foreignIdentity, (p, way, who) => {
        const d = decide(buildClaim({ ...copyFacts(p, way), ...who }), [p], TODAY);
        assert.equal(d.verdict, 'conflict', d.reasons.join(' '));
        assert.ok(d.flags.includes('buyer_identity_differs'));
      }),
      { numRuns: 300 },
    );
  });

  it("finding 12: when the same facts come from a new mailbox with the buyer's name (any order, any case), then never conflict", () => {
    fc.assert(
      fc.property(
        generatedPurchase,
        copyWay,
        foreignIdentity,
        fc.boolean(),
        fc.boolean(),
        (p, way, who, reorder, upper) => {
          let name = reorder ? p.purchaser_name.split(' ').reverse().join(' ') : p.purchaser_name;
          if (upper) name = name.toUpperCase();
          const d = decide(buildClaim({ ...copyFacts(p, way), email: who.email, name }), [p], TODAY);
          assert.equal(d.verdict, 'partial', d.reasons.join(' '));
          assert.ok(!d.flags.includes('buyer_identity_differs'));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a stolen receipt through the match worker and the console (finding 12)', () => {
  let desk: TestDesk;
  before(async () => {
    desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  });
  after(() => desk.stop());

  async function fileAndMatch(body: Record<string, unknown>) {
    const res = await request(desk.app).post('/api/v1/recovery-requests').send(body).expect(201);
    const reference = res.body.reference as string;
    let stored: { verdict: string; purchase_id: number | null; result: MatchResult } | undefined;
    await waitFor(
      async () => {
        [stored] = await desk.base.db.query<NonNullable<typeof stored>>(
          `SELECT m.verdict, m.purchase_id, m.result FROM match_results m
             JOIN recovery_requests r ON r.id = m.request_id WHERE r.reference = $1`,
          [reference],
        );
        return stored !== undefined;
      },
      15_000,
      `the match result of ${reference}`,
    );
    return { reference, ...stored! };
  }

  it("finding 12: when a stolen receipt is filed through the API, then the worker stores conflict with buyer_identity_differs, the console says why, and the code can go to the claimant only with a supervisor's approval", async () => {
    const p: TestPurchase = await insertPurchase(desk.base.db, desk.base.config.secretKey, {
      purchaser_email: 'olga.hughes@example.com',
      purchaser_name: 'Olga Hughes',
    });
    const m = await fileAndMatch(validRequest({ ...THIEF, ...factsOf(p) }));
    assert.equal(m.verdict, 'conflict');
    assert.equal(m.purchase_id, p.id, 'the technician still sees the purchase the receipt is for');
    assert.ok(m.result.flags.includes('buyer_identity_differs'), `flags: ${m.result.flags.join(', ')}`);
    assert.ok(m.result.flags.includes('email_differs'));
    assert.match(m.result.reasons[0]!, /neither the address nor the name is the buyer/);
    const fields = Object.fromEntries(m.result.fields.map((f) => [f.field, f.outcome]));
    assert.deepEqual(
      [fields.license_number, fields.order_number, fields.email, fields.name],
      ['match', 'match', 'mismatch', 'mismatch'],
    );

    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const page = (await tech.agent.get(`/desk/requests/${m.reference}`).expect(200)).text;
    assert.match(page, /<span class="flag">not the buyer<\/span> Neither the requester/);
    assert.match(page, /verdict-conflict/);

    // A conflict changes nothing in the decisions: the code goes to the buyer's address of
    // record, or, to the claimant's, only once a supervisor approves.
    const res = await postDecision(desk, tech.token, m.reference, {
      type: 'reissue',
      mode: 'resend',
      to: THIEF.email,
    }).expect(202);
    assert.equal(res.body.status, 'pending_approval');
  });
});

describe('desk eval matching, by kind (finding 12)', () => {
  it('finding 12: when the labelled set holds a stolen receipt, then the evaluation reports each kind and how many stolen receipts got conflict, keeping the top-level metrics', async () => {
    const database = await freshDatabase();
    try {
      const key = randomBytes(32).toString('hex');
      const mine = await insertPurchase(database.db, key);
      const stolen = await insertPurchase(database.db, key);
      const labelled: LabelledRequest[] = [
        {
          id: 'T1',
          kind: 'genuine_clean',
          request: validRequest({ email: mine.purchaser_email, name: mine.purchaser_name, ...factsOf(mine) }),
          expected: { purchase: mine.license_number, verdict: 'strong' },
        },
        {
          id: 'T2',
          kind: 'stolen_receipt',
          request: validRequest({ ...THIEF, ...factsOf(stolen) }),
          expected: {
            purchase: stolen.license_number,
            verdict: 'conflict',
            flags: ['buyer_identity_differs'],
          },
        },
      ];
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-labelled-')), 'requests.ndjson');
      writeFileSync(file, labelled.map((l) => JSON.stringify(l)).join('\n'));
      const { metrics, misses } = await evaluateMatching(database.db, readLabelled(file));
      assert.deepEqual(misses, []);
      assert.deepEqual(Object.keys(metrics).slice(0, 7), [
        'requests',
        'false_strong',
        'verdict_accuracy',
        'strong_recall',
        'candidate_recall',
        'flag_recall',
        'refused_at_intake',
      ]);
      assert.deepEqual(metrics.by_kind, {
        genuine_clean: { requests: 1, verdict_accuracy: 1, false_strong: 0 },
        stolen_receipt: { requests: 1, verdict_accuracy: 1, false_strong: 0 },
      });
      assert.deepEqual(metrics.stolen_receipt, { requests: 1, conflict: 1 });
    } finally {
      await database.drop();
    }
  });
});
