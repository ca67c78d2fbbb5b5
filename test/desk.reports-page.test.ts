/**
 * The reports page (/desk/reports) and its CSV downloads over HTTP: who may see them, every figure
 * as an accessible chart with its table, CSV that parses back to the table, bad periods as a
 * sentence, hostile names escaped, demo data said, an empty period and a year drawn.
 *
 * The figures are reportSummary's, counted from requests filed through the API and decided by real
 * technicians whose addresses are hostile; one request is moved back 200 days (for the year, drawn
 * per week) and one filed on the `demo` channel as `desk demo` files it, on a day of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { REPORT_FIGURES } from '../src/desk/reports-page.figure.ts';
import { todayUtc } from '../src/desk/reports-page.schema.ts';
import { addDays } from '../src/reports/report-figures.ts';
import { rollUpReports } from '../src/reports/rollup.service.ts';
import { storeWithFreshReference } from '../src/requests/requests.service.ts';
import { parseRecoveryRequest } from '../src/requests/requests.schema.ts';
import { validRequest, type TestDesk } from './helpers/desk.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';
import { fileMatchedRequest, postDecision, purchase, startDecisionDesk } from './helpers/tickets.ts';
import { createUserWithToken } from './helpers/users.ts';

let desk: TestDesk;
const as: Partial<Record<'technician' | 'supervisor' | 'admin', SignedIn>> = {};
const HOSTILE = '<script>x</script>@desk.test';
const FORMULA = '=cmd|calc@desk.test';
const today = todayUtc();
/** The day the demo request is moved to: only the demo case's period holds it. */
const DEMO_DAY = addDays(today, -300);

/** Moves a request, its history and its status moves back `days` days, as if filed then, and rolls up. */
async function fileDaysAgo(id: number, days: number): Promise<void> {
  const shift = [id, `${days} days`];
  await desk.base.db.query(
    `UPDATE recovery_requests SET created_at = created_at - $2::interval,
            first_response_due_at = first_response_due_at - $2::interval,
            resolution_due_at = resolution_due_at - $2::interval WHERE id = $1`,
    shift,
  );
  await desk.base.db.query(
    'UPDATE request_events SET created_at = created_at - $2::interval WHERE request_id = $1',
    shift,
  );
  await desk.base.db.query(
    'UPDATE report_status_moves SET moved_at = moved_at - $2::interval WHERE request_id = $1',
    shift,
  );
  // The desk's worker may already have rolled up the past (its job runs at start): roll up again,
  // as its next run would, so the changed day is counted anew rather than up to 5 minutes later.
  await rollUpReports(desk.base.db);
}

/** Four requests filed today (three matched, one not); each hostile technician rejects one. */
async function seedRequests(): Promise<void> {
  const hostile = await createUserWithToken(desk.base.db, 'technician', { email: HOSTILE });
  const formula = await createUserWithToken(desk.base.db, 'technician', { email: FORMULA });
  const tickets = [];
  for (let i = 0; i < 3; i += 1) tickets.push(await fileMatchedRequest(desk, await purchase(desk)));
  tickets.push(await fileMatchedRequest(desk, null));
  for (const [who, ticket] of [
    [hostile, tickets[0]!],
    [formula, tickets[1]!],
  ] as const) {
    const res = await postDecision(desk, who.token, ticket.reference, {
      type: 'reject',
      reason: 'duplicate',
    });
    assert.ok(res.status < 300, JSON.stringify(res.body));
  }
  const old = await fileMatchedRequest(desk, await purchase(desk));
  await fileDaysAgo(old.id, 200);
}

before(async () => {
  desk = await startDecisionDesk();
  for (const role of ['technician', 'supervisor', 'admin'] as const)
    as[role] = await signInAs(desk.app, desk.base.db, role);
  await seedRequests();
});
after(() => desk.stop());

/** The cells of one table of the page, header row first, as text. */
function tableOf(html: string, key: string): string[][] {
  const table = new RegExp(`<table class="report-table" id="table-${key}">([\\s\\S]*?)</table>`).exec(
    html,
  )?.[1];
  assert.ok(table, `the page has the ${key} table`);
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => unescapeHtml(cell[1]!)),
  );
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');
}

/** RFC 4180 CSV into rows of fields (quoted fields, doubled quotes, CRLF row ends). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i += 1;
    } else {
      field += c;
    }
  }
  return rows;
}

describe('the reports page', () => {
  it('when a supervisor or an admin opens it, then 200 with Reports in the nav; a technician gets 403 and no link', async () => {
    for (const role of ['supervisor', 'admin'] as const) {
      const page = await as[role]!.agent.get('/desk/reports').expect(200);
      assert.match(page.text, /<a href="\/desk\/reports" aria-current="page">Reports<\/a>/, role);
    }
    const refused = await as.technician!.agent.get('/desk/reports').expect(403);
    assert.match(refused.text, /for supervisor users/);
    const queue = await as.technician!.agent.get('/desk').expect(200);
    assert.doesNotMatch(queue.text, /href="\/desk\/reports"/);
    await as.technician!.agent.get('/desk/reports/requests.csv').expect(403);
  });

  it('when signed out, then the page and a CSV go to the sign-in page', async () => {
    const page = await request(desk.app).get('/desk/reports?days=7').set('Accept', 'text/html').expect(303);
    assert.equal(page.headers.location, `/desk/sign-in?next=${encodeURIComponent('/desk/reports?days=7')}`);
    const csv = await request(desk.app)
      .get('/desk/reports/backlog.csv')
      .set('Accept', 'text/html')
      .expect(303);
    assert.match(csv.headers.location!, /^\/desk\/sign-in\?next=/);
  });

  it('when the page is shown, then every figure has an SVG with title and desc, a captioned table and a CSV link', async () => {
    const page = await as.supervisor!.agent.get('/desk/reports?days=30').expect(200);
    assert.equal(page.headers['cache-control'], 'no-store');
    for (const key of REPORT_FIGURES) {
      const id = `chart-${key}`;
      assert.match(
        page.text,
        new RegExp(`<svg [^>]*role="img" aria-labelledby="${id}-title ${id}-desc"`),
        key,
      );
      assert.match(
        page.text,
        new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`),
        key,
      );
      assert.match(page.text, new RegExp(`<caption id="caption-${key}">[^<]+</caption>`), key);
      assert.match(
        page.text,
        new RegExp(`href="/desk/reports/${key}\\.csv\\?from(=|&#x3D;)\\d{4}-\\d\\d-\\d\\d&amp;to`),
        key,
      );
      assert.ok(tableOf(page.text, key).length >= 2, key);
    }
    assert.doesNotMatch(page.text, /include demo data/);
    assert.doesNotMatch(page.text, /<script(?! src="\/static\/)/, 'no script but the layout’s own');
  });

  it('when each CSV is downloaded, then it is an attachment whose rows are the table’s', async () => {
    const from = addDays(today, -29);
    const query = `from=${from}&to=${today}`;
    const page = await as.admin!.agent.get(`/desk/reports?${query}`).expect(200);
    for (const key of REPORT_FIGURES) {
      const res = await as.admin!.agent.get(`/desk/reports/${key}.csv?${query}`).expect(200);
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8', key);
      assert.equal(
        res.headers['content-disposition'],
        `attachment; filename="${key}-${from}-to-${today}.csv"`,
      );
      const csv = parseCsv(res.text).map((row) => row.map((f) => f.replace(/^'(?=[=+\-@])/, '')));
      assert.deepEqual(csv, tableOf(page.text, key), key);
    }
  });

  it('when a technician’s address starts with = or holds markup, then the CSV guards the formula and the page escapes the markup', async () => {
    const page = await as.admin!.agent.get('/desk/reports').expect(200);
    assert.ok(!page.text.includes(HOSTILE), 'the hostile address never reaches the page as markup');
    const decisions = /<section [^>]*id="figure-decisions"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    assert.match(
      decisions,
      /<svg class="chart"[\s\S]*&lt;script&gt;x&lt;\/script&gt;@desk.test[\s\S]*<\/svg>/,
    );
    assert.deepEqual(
      tableOf(page.text, 'decisions').filter((row) => row[0] === HOSTILE || row[0] === FORMULA).length,
      2,
      'both decisions are in the table',
    );
    const csv = await as.admin!.agent.get('/desk/reports/decisions.csv').expect(200);
    assert.match(csv.text, /\r\n'=cmd\|calc@desk\.test,/);
    assert.match(csv.text, /\r\n<script>x<\/script>@desk\.test,/);
  });

  it('when the period is bad, then the page says why in a sentence (422) and a CSV too; an unknown figure is 404', async () => {
    const cases: [string, RegExp][] = [
      ['from=2026-02-30', /not a date/],
      ['from=2026-12-02&to=2026-12-01', /after the end date/],
      ['to=2999-01-01', /in the future/],
      ['from=2020-01-01&to=2023-01-01', /at most 366 days/],
      ['days=12', /periods offered/],
      ['from=a&from=b', /one start date/],
    ];
    for (const [query, sentence] of cases) {
      const page = await as.supervisor!.agent.get(`/desk/reports?${query}`).expect(422);
      assert.match(page.text, sentence, query);
      assert.doesNotMatch(page.text, /<svg class="chart"/, query);
      const csv = await as.supervisor!.agent.get(`/desk/reports/requests.csv?${query}`).expect(422);
      assert.match(csv.text, sentence, query);
    }
    await as.supervisor!.agent.get('/desk/reports/nothing.csv').expect(404);
  });

  it('when a period holds no request, then every figure is drawn with no NaN and says so', async () => {
    const day = addDays(today, -100);
    const page = await as.supervisor!.agent.get(`/desk/reports?from=${day}&to=${day}`).expect(200);
    assert.equal([...page.text.matchAll(/<svg class="chart"/g)].length, REPORT_FIGURES.length);
    assert.doesNotMatch(page.text, /NaN|Infinity|undefined/);
    assert.match(page.text, /\b0 requests filed/);
    assert.match(page.text, /No request resolved yet/);
  });

  it('when the period is a year, then the figures over time are drawn per week and count the old request', async () => {
    const page = await as.supervisor!.agent.get('/desk/reports?days=365').expect(200);
    assert.match(page.text, /Drawn per week/);
    assert.doesNotMatch(page.text, /NaN|Infinity/);
    const filed = tableOf(page.text, 'requests').slice(1);
    const weekOf = (day: string) => filed.find((row) => row[0]! <= day && day < addDays(row[0]!, 7));
    assert.equal(weekOf(addDays(today, -200))?.at(-1), '1', 'the week of the request moved back 200 days');
    assert.ok(filed.length <= 53, `${filed.length} rows, one a week`);
  });

  it('when the period holds a request filed by desk demo, then the page says the figures include demo data', async () => {
    const parsed = parseRecoveryRequest(validRequest({ locale: 'en' }), '9999-12-31');
    assert.ok(parsed.ok);
    const filed = await storeWithFreshReference(desk.web, parsed.value, 'en', '127.0.0.1', 'demo');
    const [row] = await desk.base.db.query<{ id: number }>(
      'SELECT id FROM recovery_requests WHERE reference = $1',
      [filed.reference],
    );
    await fileDaysAgo(row!.id, 300);
    const page = await as.supervisor!.agent.get(`/desk/reports?from=${DEMO_DAY}&to=${DEMO_DAY}`).expect(200);
    assert.match(page.text, /These figures include demo data/);
    // The backlog carries every earlier day, so only a period ending before the demo day is clean.
    const before = addDays(DEMO_DAY, -1);
    const other = await as.supervisor!.agent.get(`/desk/reports?from=${before}&to=${before}`).expect(200);
    assert.doesNotMatch(other.text, /include demo data/);
  });
});
