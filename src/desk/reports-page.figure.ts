import type { ReportSummary } from '../reports/report-summary.ts';

/** The figures of the reports page, in the page's order; each is also a CSV at /desk/reports/<figure>.csv. */
export const REPORT_FIGURES = [
  'requests',
  'verdicts',
  'instant',
  'response-times',
  'breaches',
  'backlog',
  'decisions',
  'satisfaction',
] as const;
export type ReportFigure = (typeof REPORT_FIGURES)[number];

/** A figure's numbers as the page's table and its CSV give them: the same columns and rows. */
export interface FigureTable {
  caption: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface FigureView {
  key: ReportFigure;
  heading: string;
  /** A sentence with the figure's headline numbers, above the chart (optional). */
  note?: string;
  /** The chart: SVG markup, every text in it escaped (src/reports/charts/svg.ts). */
  svg: string;
  table: FigureTable;
}

/** Builds one figure's table, and its chart when `drawn` (a CSV needs only the table). */
export type FigureBuilder = (summary: ReportSummary, drawn: boolean) => Omit<FigureView, 'key'>;

/** "2026-03-07" → "7 Mar 2026", for captions. */
export function dayText(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** "from 1 Mar 2026 to 30 Mar 2026", the period as captions end. */
export function periodText(summary: ReportSummary): string {
  return `from ${dayText(summary.period.from)} to ${dayText(summary.period.to)}`;
}

/** A share (0..1, or null when there is nothing to share) as "64%". */
export function percentText(share: number | null): string {
  return share === null ? 'no answer yet' : `${Math.round(share * 100)}%`;
}

export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
