/**
 * The request history records how a request came in: the web form or the JSON API, in the
 * `received` event and in the console's history sentence.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';

let desk: TestDesk;
let tech: SignedIn;

before(async () => {
  desk = await startDesk({ workers: false, env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  tech = await signInAs(desk.app, desk.base.db, 'technician');
});
after(() => desk.stop());

async function receivedEvent(reference: string) {
  const [row] = await desk.base.db.query<{ data: Record<string, unknown> }>(
    `SELECT e.data FROM request_events e JOIN recovery_requests r ON r.id = e.request_id
      WHERE r.reference = $1 AND e.type = 'received'`,
    [reference],
  );
  return row?.data;
}

/** The console's history line for the filing, as a technician reads it. */
async function filingLine(reference: string): Promise<string> {
  const page = await tech.agent.get(`/desk/requests/${reference}`).expect(200);
  const text = page.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  return /filed the request( \([^)]*\))?/.exec(text)?.[0] ?? '';
}

describe('the channel a request came in through', () => {
  it('when a request is filed through the JSON API, then its history says API, not web', async () => {
    const res = await request(desk.app).post('/api/v1/recovery-requests').send(validRequest()).expect(201);
    const reference = res.body.reference as string;
    assert.deepEqual(await receivedEvent(reference), { channel: 'api' });
    assert.equal(await filingLine(reference), 'filed the request (API)');
  });

  it('when a request is filed through the web form, then its history says web form', async () => {
    const res = await request(desk.app).post('/recover').type('form').send(validRequest()).expect(303);
    const reference = /\/requests\/(RD-[0-9A-Z]{8})/.exec(res.headers.location as string)![1]!;
    assert.deepEqual(await receivedEvent(reference), { channel: 'form' });
    assert.equal(await filingLine(reference), 'filed the request (web form)');
  });
});
