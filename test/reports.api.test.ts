import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { addDays } from '../src/reports/report-figures.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { createUserWithToken, type TestUser } from './helpers/users.ts';

let desk: TestDesk;
let supervisor: TestUser;
let technician: TestUser;
before(async () => {
  desk = await startDesk({ workers: false });
  supervisor = await createUserWithToken(desk.base.db, 'supervisor');
  technician = await createUserWithToken(desk.base.db, 'technician');
});
after(() => desk.stop());

const summary = (token: string, query = '') =>
  request(desk.app).get(`/api/v1/reports/summary${query}`).set('authorization', `Bearer ${token}`);
const today = new Date().toISOString().slice(0, 10);

describe('GET /api/v1/reports/summary', () => {
  it('when a supervisor asks without a period, then the last 30 days come back as JSON', async () => {
    const res = await summary(supervisor.token).expect(200);
    assert.deepEqual(res.body.period, { from: addDays(today, -29), to: today, days: 30 });
    assert.equal(res.body.backlogPerDay.length, 30 * 4);
  });

  it('when a technician asks, then 403', async () => {
    await summary(technician.token).expect(403);
  });

  it('when the period is not valid, then 422 naming the field', async () => {
    const fieldsOf = async (query: string) =>
      (await summary(supervisor.token, query).expect(422)).body.fields as Record<string, string>;
    assert.ok((await fieldsOf('?from=2026-02-30')).from);
    assert.ok((await fieldsOf('?to=yesterday')).to);
    assert.ok((await fieldsOf('?from=2026-03-02&to=2026-03-01')).from);
    assert.ok((await fieldsOf('?from=2024-01-01&to=2026-01-01')).to);
    await summary(supervisor.token, '?from=2025-01-01&to=2026-01-01').expect(200);
  });
});
