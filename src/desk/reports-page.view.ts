import type { ReportSummary } from '../reports/report-summary.ts';
import { REPORT_FIGURES, type ReportFigure } from './reports-page.figure.ts';
import { reportFigure } from './reports-page.figures.ts';
import { REPORT_PRESETS, type PeriodChoice } from './reports-page.schema.ts';

/** The query naming a period, for the CSV links and the presets. */
function periodQuery(from: string, to: string): string {
  return new URLSearchParams({ from, to }).toString();
}

/** The CSV address of one figure for one period. */
export function csvHref(key: ReportFigure, from: string, to: string): string {
  return `/desk/reports/${key}.csv?${periodQuery(from, to)}`;
}

/** The picker: the dates shown in its fields, the presets, and the sentence when the period was refused. */
function pickerView(choice: PeriodChoice) {
  return {
    from: choice.from,
    to: choice.to,
    error: choice.ok ? undefined : choice.message,
    presets: REPORT_PRESETS.map((days) => ({ days, href: `/desk/reports?days=${days}` })),
  };
}

/** The reports page: the picker, and each figure's chart, table and CSV link (none when refused). */
export function reportsView(choice: PeriodChoice, summary: ReportSummary | undefined) {
  return {
    picker: pickerView(choice),
    summary: summary && {
      period: summary.period,
      demo: summary.includesDemoData,
      figures: REPORT_FIGURES.map((key) => ({
        ...reportFigure(summary, key),
        csv: csvHref(key, summary.period.from, summary.period.to),
      })),
    },
  };
}
