import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addDays } from '../src/reports/report-figures.ts';
import { DEMO_HISTORY_REQUESTS, loadDemoHistory } from '../src/reports/demo-history.service.ts';
import { reportSummary } from '../src/reports/reports.service.ts';
import { freshDatabase, type TestDatabase } from './helpers/database.ts';

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(() => t.drop());

describe('desk demo --history', () => {
  it('when loaded, then a year of reports shows it, marked as demo data; a second load adds nothing', async () => {
    await loadDemoHistory(t.db);
    const today = new Date().toISOString().slice(0, 10);
    const s = await reportSummary(t.db, { from: addDays(today, -365), to: today });
    assert.equal(s.includesDemoData, true);
    assert.equal(
      s.requestsPerDay.reduce((n, r) => n + r.count, 0),
      DEMO_HISTORY_REQUESTS,
    );
    assert.ok(s.requestsPerDay.every((r) => r.channel === 'demo'));
    assert.ok(s.decisionsPerActor.some((d) => d.actor === 'auto'));
    assert.ok(s.resolution.count > 0 && s.satisfaction.helpful > 0 && s.breachesPerDay.length > 0);
    await loadDemoHistory(t.db);
    const [row] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM recovery_requests WHERE reference LIKE 'RD-H%'`,
    );
    assert.equal(row!.n, DEMO_HISTORY_REQUESTS);
  });
});
