import { Router } from 'express';
import { requireSession } from '../auth/require-session.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { toCsv } from '../reports/csv.ts';
import { reportSummary } from '../reports/reports.service.ts';
import { renderDeskPage } from './desk-page.ts';
import { REPORT_FIGURES, type ReportFigure } from './reports-page.figure.ts';
import { reportFigure } from './reports-page.figures.ts';
import { parsePeriod, todayUtc } from './reports-page.schema.ts';
import { reportsView } from './reports-page.view.ts';

/**
 * /desk/reports (supervisors and admins): the period picker and every figure of the period as a
 * chart drawn here as SVG, with its table; /desk/reports/<figure>.csv: one figure's table as CSV.
 * A period the picker refuses is a sentence on the page (422), never a 5xx.
 */
export function reportsPageRoutes(deps: WebDeps): Router {
  const router = Router();
  const supervisor = requireSession('supervisor');

  router.get('/desk/reports', supervisor, async (req, res) => {
    const choice = parsePeriod(req.query, todayUtc());
    const summary = choice.ok
      ? await reportSummary(deps.db, { from: choice.from, to: choice.to })
      : undefined;
    res.set('Cache-Control', 'no-store');
    const view = reportsView(choice, summary);
    renderDeskPage(req, res, deps.templates, 'reports', { title: 'Reports', ...view }, choice.ok ? 200 : 422);
  });

  router.get('/desk/reports/:figure.csv', supervisor, async (req, res) => {
    const key = String(req.params.figure);
    if (!(REPORT_FIGURES as readonly string[]).includes(key))
      throw new NotFoundError('There is no such report: see /desk/reports for the figures there are.');
    const choice = parsePeriod(req.query, todayUtc());
    if (!choice.ok) {
      res.status(422).type('text/plain').send(`${choice.message}\n`);
      return;
    }
    const summary = await reportSummary(deps.db, { from: choice.from, to: choice.to });
    const { table } = reportFigure(summary, key as ReportFigure, false);
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${key}-${choice.from}-to-${choice.to}.csv"`,
      'Cache-Control': 'no-store',
    });
    res.send(toCsv(table.columns, table.rows));
  });

  return router;
}
