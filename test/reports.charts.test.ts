/**
 * The reports page's charts, tables and CSV as pure functions of a ReportSummary (no database):
 * every figure is an accessible SVG with its table, hostile text is escaped, long periods are
 * drawn per week, CSV fields are quoted and guarded against formulas, bad periods are sentences.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPORT_FIGURES } from '../src/desk/reports-page.figure.ts';
import { reportFigure } from '../src/desk/reports-page.figures.ts';
import { parsePeriod } from '../src/desk/reports-page.schema.ts';
import { toCsv } from '../src/reports/csv.ts';
import { madeUpSummary } from './helpers/report-summary.ts';

describe('report figures', () => {
  const summary = madeUpSummary('2026-11-04', '2026-12-03');

  it('when a month is drawn, then every figure is an SVG with role img, a title, a desc and a table', () => {
    for (const key of REPORT_FIGURES) {
      const figure = reportFigure(summary, key);
      assert.match(
        figure.svg,
        /^<svg [^>]*role="img" aria-labelledby="chart-[a-z-]+-title chart-[a-z-]+-desc"/,
        key,
      );
      assert.match(
        figure.svg,
        /<title id="chart-[a-z-]+-title">[^<]+<\/title><desc id="chart-[a-z-]+-desc">[^<]+<\/desc>/,
        key,
      );
      assert.ok(figure.table.columns.length >= 2 && figure.table.caption, key);
      for (const row of figure.table.rows) assert.equal(row.length, figure.table.columns.length, key);
    }
  });

  it('when requests are counted per day, then the table sums them by outcome and by channel alike', () => {
    const { table } = reportFigure(summary, 'requests', false);
    assert.equal(table.rows.length, 30);
    const total = summary.requestsPerDay.reduce((a, r) => a + r.count, 0);
    assert.equal(
      table.rows.reduce((a, r) => a + Number(r.at(-1)), 0),
      total,
    );
    for (const row of table.rows) {
      const outcomes = Number(row[1]) + Number(row[2]) + Number(row[3]);
      const channels = row.slice(4, -1).reduce<number>((a, v) => a + Number(v), 0);
      assert.equal(outcomes, row.at(-1));
      assert.equal(channels, row.at(-1));
    }
  });

  it('when the period is a year, then requests are binned per week and the caption says so', () => {
    const year = madeUpSummary('2025-12-04', '2026-12-03');
    const figure = reportFigure(year, 'requests');
    assert.equal(figure.table.rows.length, 53);
    assert.equal(figure.table.columns[0], 'Week from');
    assert.match(figure.table.caption, /per week.*longer than 90 days/);
    assert.match(figure.svg, /longer than 90 days/);
    const total = year.requestsPerDay.reduce((a, r) => a + r.count, 0);
    assert.equal(
      figure.table.rows.reduce((a, r) => a + Number(r.at(-1)), 0),
      total,
    );
  });

  it('when a technician is named <script>, then the chart and its tooltip escape the name', () => {
    const hostile = madeUpSummary('2026-11-04', '2026-12-03', {
      decisionsPerActor: [{ actor: '<script>alert(1)</script>"&', type: 'rejected', count: 2 }],
    });
    const { svg, table } = reportFigure(hostile, 'decisions');
    assert.ok(!svg.includes('<script>'), svg);
    assert.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&amp;/);
    assert.equal(
      table.rows[0]![0],
      '<script>alert(1)</script>"&',
      'the table keeps the text; Handlebars escapes it',
    );
  });

  it('when nothing happened in the period, then each chart says so and nothing fails', () => {
    const empty = madeUpSummary('2026-12-01', '2026-12-03', {
      requestsPerDay: [],
      verdictMix: [],
      instant: { resolved: 0, resolvedAutomatically: 0, share: null },
      firstResponse: { count: 0, p50Seconds: null, p90Seconds: null },
      resolution: { count: 0, p50Seconds: null, p90Seconds: null },
      breachesPerDay: [],
      backlogPerDay: [],
      decisionsPerActor: [],
      satisfactionPerDay: [],
      satisfaction: { helpful: 0, notHelpful: 0, comments: 0, share: null },
    });
    for (const key of REPORT_FIGURES) {
      const { svg } = reportFigure(empty, key);
      assert.ok(!/NaN|undefined/.test(svg), `${key}: ${svg.slice(0, 300)}`);
    }
  });

  it('when every request was answered within the minute, then the response chart shows 0 s bars, not "nothing"', () => {
    const answeredAtOnce = madeUpSummary('2026-12-01', '2026-12-03', {
      firstResponse: { count: 2, p50Seconds: 0, p90Seconds: 0 },
      resolution: { count: 0, p50Seconds: null, p90Seconds: null },
    });
    const { svg } = reportFigure(answeredAtOnce, 'response-times');
    assert.ok(!svg.includes('Nothing in this period'), svg.slice(0, 300));
    assert.match(svg, /First response p50/);
    const { svg: none } = reportFigure(
      madeUpSummary('2026-12-01', '2026-12-03', {
        firstResponse: { count: 0, p50Seconds: null, p90Seconds: null },
        resolution: { count: 0, p50Seconds: null, p90Seconds: null },
      }),
      'response-times',
    );
    assert.match(none, /Nothing in this period/);
  });
});

describe('CSV', () => {
  it('when a cell starts with = + - @, then it gets an apostrophe; commas, quotes and line breaks are quoted', () => {
    const csv = toCsv(
      ['Person', 'Total'],
      [
        ['=HYPERLINK("x")', 1],
        ['+1', -2],
        ['@a,b', 3],
        ['-x\n"y"', 0],
      ],
    );
    assert.equal(
      csv,
      'Person,Total\r\n"\'=HYPERLINK(""x"")",1\r\n\'+1,-2\r\n"\'@a,b",3\r\n"\'-x\n""y""",0\r\n',
    );
  });
});

describe('the period picker', () => {
  const today = '2026-12-03';
  it('when nothing is chosen, then the last 30 days; a preset counts back from today', () => {
    assert.deepEqual(parsePeriod({}, today), { ok: true, from: '2026-11-04', to: today });
    assert.deepEqual(parsePeriod({ days: '7' }, today), { ok: true, from: '2026-11-27', to: today });
    assert.deepEqual(parsePeriod({ days: '365' }, today), { ok: true, from: '2025-12-04', to: today });
  });

  it('when the dates are bad, then a sentence says why', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ from: '2026-02-30' }, /not a date/],
      [{ from: 'yesterday' }, /not a date/],
      [{ to: '2027-01-01' }, /future/],
      [{ from: '2026-12-02', to: '2026-12-01' }, /after the end date/],
      [{ from: '2024-01-01', to: '2026-01-01' }, /at most 366 days/],
      [{ from: '1999-12-31', to: '2000-01-02' }, /before 2000/],
      [{ days: '12' }, /periods offered/],
      [{ from: ['2026-01-01', '2026-01-02'] }, /one start date/],
    ];
    for (const [query, message] of bad) {
      const choice = parsePeriod(query, today);
      assert.equal(choice.ok, false, JSON.stringify(query));
      assert.match(choice.ok ? '' : choice.message, message, JSON.stringify(query));
    }
  });
});
