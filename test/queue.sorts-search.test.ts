import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { fileMatchedRequest, type FiledTicket } from './helpers/tickets.ts';
import { signInAs, postForm, type SignedIn } from './helpers/session.ts';
import type { TestUser } from './helpers/users.ts';
import { insertQueueRequests, type QueueRequest } from './helpers/queue-requests.ts';

let desk: TestDesk;
let tech: SignedIn & TestUser;

let made: QueueRequest[] = [];
type Made = QueueRequest;

const STATUS_RANK: Record<string, number> = {
  received: 0,
  triage: 1,
  waiting_on_customer: 2,
  pending_approval: 3,
  resolved: 4,
  rejected: 5,
};
const VERDICT_RANK: Record<string, number> = { strong: 0, partial: 1, conflict: 2, none: 3 };

/** Each sort's keys as the README states them, then the id. */
const KEYS: Record<string, (m: Made) => (number | string)[]> = {
  due: (m) => {
    const clock =
      m.status === 'waiting_on_customer' ? 1 : ['resolved', 'rejected'].includes(m.status) ? 2 : 0;
    const next = m.responded ? m.resolutionDue : [m.firstResponseDue, m.resolutionDue].sort()[0]!;
    return [clock, next, m.id];
  },
  created: (m) => [m.created, m.id],
  updated: (m) => [m.updated, m.id],
  verdict: (m) => [m.verdict ? VERDICT_RANK[m.verdict]! : 4, m.id],
  status: (m) => [STATUS_RANK[m.status]!, m.id],
};

function expectedOrder(sort: string, order: string, rows: Made[]): string[] {
  const compare = (a: Made, b: Made) => {
    const [ka, kb] = [KEYS[sort]!(a), KEYS[sort]!(b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  };
  const sorted = [...rows].sort(compare).map((m) => m.reference);
  return order === 'desc' ? sorted.reverse() : sorted;
}

const list = (query: Record<string, string> = {}) =>
  request(desk.app).get('/api/v1/tickets').query(query).set('Authorization', `Bearer ${tech.token}`);

/** Every page of a listing, walked with its cursors. */
async function walk(query: Record<string, string>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await list(cursor ? { ...query, cursor } : query).expect(200);
    seen.push(...(res.body.items as { reference: string }[]).map((i) => i.reference));
    cursor = res.body.next_cursor as string | null;
  } while (cursor);
  return seen;
}

before(async () => {
  desk = await startDesk({ env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  tech = await signInAs(desk.app, desk.base.db, 'technician');
  made = await insertQueueRequests(desk.base.db, 16);
});
after(() => desk.stop());

describe('GET /api/v1/tickets: sorts', () => {
  for (const sort of ['due', 'created', 'updated', 'verdict', 'status']) {
    for (const order of ['asc', 'desc']) {
      it(`when sorted by ${sort} ${order} and paged three at a time, then every request comes once, in order, ties by id`, async () => {
        const seen = await walk({ sort, order, limit: '3' });
        assert.deepEqual(seen, expectedOrder(sort, order, made));
        assert.equal(new Set(seen).size, made.length);
      });
    }
  }

  it('when no sort is given, then it is due first, as before', async () => {
    assert.deepEqual(await walk({ limit: '5' }), expectedOrder('due', 'asc', made));
  });

  it('when sort or order is not one the queue knows, then 400 naming the parameter', async () => {
    for (const [query, name] of [
      [{ sort: 'name' }, /^sort must be one of: due, created, updated, verdict, status/],
      [{ order: 'up' }, /^order must be one of: asc, desc/],
    ] as const) {
      const res = await list(query).expect(400);
      assert.equal(res.body.error, 'invalid_query');
      assert.match(res.body.message, name);
    }
  });

  it('when a cursor of one sort is used with another, then 400 saying which sort it belongs to', async () => {
    const first = await list({ sort: 'created', order: 'desc', limit: '2' }).expect(200);
    const cursor = first.body.next_cursor as string;
    const res = await list({ sort: 'verdict', limit: '2', cursor }).expect(400);
    assert.match(res.body.message, /^cursor: this cursor belongs to sort=created&order=desc/);
    const sameSortOtherOrder = await list({ sort: 'created', limit: '2', cursor }).expect(400);
    assert.match(sameSortOtherOrder.body.message, /belongs to sort=created&order=desc/);
    await list({ sort: 'created', order: 'desc', limit: '2', cursor }).expect(200);
  });

  it('when filtered, then the count is of what the filters find, across every page', async () => {
    const all = await list({ limit: '2' }).expect(200);
    assert.deepEqual(all.body.total, { count: made.length, capped: false });
    const strong = await list({ verdict: 'strong', limit: '1' }).expect(200);
    assert.deepEqual(strong.body.total, {
      count: made.filter((m) => m.verdict === 'strong').length,
      capped: false,
    });
    const waiting = await list({ status: 'waiting_on_customer' }).expect(200);
    assert.equal(waiting.body.total.count, waiting.body.items.length);
    assert.equal(waiting.body.total.count, made.filter((m) => m.status === 'waiting_on_customer').length);
  });
});

describe('GET /api/v1/tickets: search', () => {
  const namesFound = async (q: string) =>
    ((await list({ q, limit: '100' }).expect(200)).body.items as { name: string }[]).map((i) => i.name);
  const only = (found: string[], name: string) => {
    assert.ok(found.length > 0, `something is found for ${name}`);
    assert.deepEqual([...new Set(found)], [name]);
  };

  it('when searched by a name, then case, word order and accents do not matter, and words may be cut short', async () => {
    assert.deepEqual([...new Set(await namesFound('Walker'))].sort(), ['Anna Walker', 'Walker Johnson']);
    only(await namesFound('walker anna'), 'Anna Walker');
    only(await namesFound('ANNA  WALKER'), 'Anna Walker');
    only(await namesFound('wal ann'), 'Anna Walker');
    only(await namesFound('muller'), 'Jürgen Müller-Lüdenscheidt');
    only(await namesFound('lüdenscheidt jürgen'), 'Jürgen Müller-Lüdenscheidt');
    only(await namesFound("o'neil sean"), "Seán O'Neil");
    only(await namesFound('strasse'), 'Peter Straße');
    assert.deepEqual(await namesFound('alker'), [], 'a word is found by its start, not its middle');
    assert.deepEqual(await namesFound('walker zed'), [], 'every word must be found');
  });

  it('when searched by a Cyrillic name, then case and word order do not matter, and ё is е', async () => {
    only(await namesFound('иванова анна'), 'Анна Иванова');
    only(await namesFound('ИВАН'), 'Анна Иванова');
    only(await namesFound('елкина'), 'Ёлкина Мария');
    only(await namesFound('МАРИЯ ЁЛКИНА'), 'Ёлкина Мария');
  });

  describe('requests filed through intake', () => {
    let filed: FiledTicket;
    before(async () => {
      filed = await fileMatchedRequest(desk, null, {
        name: 'Ольга Смирнова',
        email: 'Olga.Smirnova+desk@googlemail.com',
        license_number: undefined,
        license_key: 'ed025601-c567-fbb5-522e-53a50ae8dae1',
        order_number: '#ES 2024-777 888',
      });
    });
    const refsFound = async (q: string) =>
      ((await list({ q }).expect(200)).body.items as { reference: string }[]).map((i) => i.reference);

    it('when searched by each identifier as a customer might type it, then the request is found', async () => {
      for (const q of [
        filed.reference,
        filed.reference.slice(3).toLowerCase(), // without RD-
        'olgasmirnova@gmail.com', // the same mailbox: dots, +tag and googlemail folded
        'ED025601C567FBB5522E53A50AE8DAE1',
        'es2024777888',
        'смирнова ольга',
      ]) {
        assert.deepEqual(await refsFound(q), [filed.reference], `found by ${q}`);
      }
    });

    it('when a technician claims it, adds a note, asks, or the customer answers, then its last update moves', async () => {
      const updatedAt = async () =>
        (
          await desk.base.db.query<{ at: Date }>(
            'SELECT updated_at AS at FROM recovery_requests WHERE id = $1',
            [filed.id],
          )
        )[0]!.at.getTime();
      const steps: [string, () => Promise<unknown>][] = [
        ['claim', () => postForm(tech, `/desk/requests/${filed.reference}/claim`).expect(303)],
        [
          'note',
          () => postForm(tech, `/desk/requests/${filed.reference}/notes`, { text: 'Checked.' }).expect(303),
        ],
        [
          'question to the customer',
          () =>
            request(desk.app)
              .post(`/api/v1/tickets/${filed.reference}/decisions`)
              .set('Authorization', `Bearer ${tech.token}`)
              .send({ type: 'request_info', message: 'Which store was it?' })
              .expect(200),
        ],
        [
          'customer answer',
          () =>
            request(desk.app)
              .post(`/requests/${filed.reference}/reply`)
              .query({ token: filed.token })
              .field('message', 'The one in town.')
              .expect(303),
        ],
      ];
      for (const [what, step] of steps) {
        const before = await updatedAt();
        await new Promise((resolve) => setTimeout(resolve, 5));
        await step();
        assert.ok((await updatedAt()) > before, `${what} moves updated_at`);
        const [top] = (await list({ sort: 'updated', order: 'desc', limit: '1' }).expect(200)).body.items as {
          reference: string;
        }[];
        assert.equal(top!.reference, filed.reference, `after the ${what}, it leads the last-update sort`);
      }
    });
  });

  it('when a search can mean nothing, then nothing is found (not everything)', async () => {
    const res = await list({ q: '#' }).expect(200);
    assert.deepEqual(res.body.items, []);
    assert.deepEqual(res.body.total, { count: 0, capped: false });
  });
});

describe('GET /api/v1/tickets: the count at scale', () => {
  it('when more than 1,000 requests are found, then the count says 1,000 and capped', async () => {
    await desk.base.db.query(
      `INSERT INTO recovery_requests
         (reference, status, status_token_hash, email, name, channel, store, country, purchased_on, reason,
          desired_outcome, locale, typed, first_response_due_at, resolution_due_at)
       SELECT 'RD-B' || lpad(g::text, 7, '0'), 'triage', md5(g::text), 'bulk@example.com', 'Bulk Customer',
              'estore', 'Store', 'GB', '2024-01-01', 'lost', 'recover_code', 'en', '{}',
              now() + interval '1 day', now() + interval '3 days'
         FROM generate_series(1, 1005) g`,
    );
    const res = await list({ q: 'bulk customer', limit: '1' }).expect(200);
    assert.deepEqual(res.body.total, { count: 1000, capped: true });
    const page = await tech.agent.get('/desk').query({ q: 'bulk' }).expect(200);
    assert.match(page.text, /1,000\+ requests/);
  });
});
