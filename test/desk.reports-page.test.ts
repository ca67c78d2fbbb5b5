/**
 * The reports page (/desk/reports) and its CSV downloads over HTTP: who may see them, every figure
 * as an accessible chart with its table, CSV that parses back to the table, bad periods as a
 * sentence, hostile names escaped.
 *
 * The figures come from a made-up ReportSummary (test/helpers/report-summary.ts) handed to
 * createApp, so that hostile names and demo data are easy to set; test/browser.reports.test.ts
 * draws the page from reportSummary on filed requests.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { REPORT_FIGURES } from '../src/desk/reports-page.figure.ts';
import { createApp } from '../src/http/app.ts';
import type { ReportSummary } from '../src/reports/report-summary.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { madeUpSummary } from './helpers/report-summary.ts';
import { signInAs, type SignedIn } from './helpers/session.ts';

let desk: TestDesk;
let app: Express;
const as: Partial<Record<'technician' | 'supervisor' | 'admin', SignedIn>> = {};
const HOSTILE = '<script>alert(1)</script>';
let demo = false;

function summaryOf(_db: unknown, period: { from: string; to: string }): Promise<ReportSummary> {
  return Promise.resolve(
    madeUpSummary(period.from, period.to, {
      includesDemoData: demo,
      decisionsPerActor: [
        { actor: HOSTILE, type: 'rejected', count: 3 },
        { actor: '=cmd|calc', type: 'code_sent', count: 2 },
        { actor: 'auto', type: 'code_sent', count: 9 },
      ],
    }),
  );
}

before(async () => {
  desk = await startDesk({ workers: false });
  app = createApp(desk.web, { reportSummary: summaryOf });
  for (const role of ['technician', 'supervisor', 'admin'] as const)
    as[role] = await signInAs(app, desk.base.db, role);
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
    const page = await request(app).get('/desk/reports?days=7').set('Accept', 'text/html').expect(303);
    assert.equal(page.headers.location, `/desk/sign-in?next=${encodeURIComponent('/desk/reports?days=7')}`);
    const csv = await request(app).get('/desk/reports/backlog.csv').set('Accept', 'text/html').expect(303);
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
    const query = 'from=2026-10-01&to=2026-10-31';
    const page = await as.admin!.agent.get(`/desk/reports?${query}`).expect(200);
    for (const key of REPORT_FIGURES) {
      const res = await as.admin!.agent.get(`/desk/reports/${key}.csv?${query}`).expect(200);
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8', key);
      assert.equal(
        res.headers['content-disposition'],
        `attachment; filename="${key}-2026-10-01-to-2026-10-31.csv"`,
      );
      const csv = parseCsv(res.text).map((row) => row.map((f) => f.replace(/^'(?=[=+\-@])/, '')));
      assert.deepEqual(csv, tableOf(page.text, key), key);
    }
  });

  it('when a person’s name starts with = or holds markup, then the CSV guards the formula and the page escapes the markup', async () => {
    const page = await as.admin!.agent.get('/desk/reports').expect(200);
    assert.ok(!page.text.includes(HOSTILE), 'the hostile name never reaches the page as markup');
    assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const csv = await as.admin!.agent.get('/desk/reports/decisions.csv').expect(200);
    assert.match(csv.text, /\r\n'=cmd\|calc,/);
    assert.match(csv.text, /\r\n<script>alert\(1\)<\/script>,/);
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

  it('when the figures include demo data, then the page says so', async () => {
    demo = true;
    try {
      const page = await as.supervisor!.agent.get('/desk/reports').expect(200);
      assert.match(page.text, /These figures include demo data/);
    } finally {
      demo = false;
    }
  });
});
