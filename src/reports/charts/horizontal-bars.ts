import { scaleBand, scaleLinear } from 'd3-scale';
import { stack } from 'd3-shape';
import { valueAxisBottom, type Plot } from './axis.ts';
import {
  emptyNote,
  esc,
  legend,
  legendRows,
  seriesDefs,
  seriesFill,
  CHART_WIDTH,
  svgDocument,
  type ChartText,
  type Frame,
} from './svg.ts';

/** Named rows (verdicts, people, measures), each a bar split into its series, its total at its end. */
export interface HorizontalBarsInput extends ChartText {
  rows: { label: string; values: Record<string, number>; text?: string }[];
  series: { key: string; label: string }[];
  /** Whether to draw the legend (a single series needs none). */
  showLegend?: boolean;
  /**
   * Whether there is nothing to show (default: every total is 0). Durations of 0 s are something:
   * requests answered at once, not an empty period.
   */
  empty?: boolean;
}

const WIDTH = CHART_WIDTH;
const ROW = 30;
/** Labels longer than this are cut with an ellipsis; the full text is in the bar's tooltip and the table. */
const LABEL_CHARS = 22;

export function horizontalBarsChart(input: HorizontalBarsInput): string {
  const names = input.series.map((s) => s.label);
  const rows = input.showLegend ? legendRows(names, WIDTH - 20) : 0;
  const longest = Math.min(LABEL_CHARS, Math.max(4, ...input.rows.map((r) => r.label.length)));
  const top = 10 + rows * 20;
  const frame: Frame = {
    width: WIDTH,
    height: top + Math.max(1, input.rows.length) * ROW + 30,
    margin: { top, right: 92, bottom: 30, left: 14 + longest * 7.8 },
  };
  const plot: Plot = {
    left: frame.margin.left,
    right: frame.width - frame.margin.right,
    top: frame.margin.top,
    bottom: frame.height - frame.margin.bottom,
  };
  const keys = input.series.map((s) => s.key);
  const totals = input.rows.map((r) => keys.reduce((sum, k) => sum + (r.values[k] ?? 0), 0));
  const labels = input.rows.map((r, i) => `${i}`);
  const y = scaleBand<string>().domain(labels).range([plot.top, plot.bottom]).padding(0.2);
  const x = scaleLinear()
    .domain([0, Math.max(1, ...totals)])
    .nice()
    .range([plot.left, plot.right]);
  const layers = stack<Record<string, number>>()
    .keys(keys)
    .value((row, key) => row[key] ?? 0)(input.rows.map((r) => r.values));
  let bars = '';
  layers.forEach((layer, i) => {
    layer.forEach(([low, high], j) => {
      if (high <= low) return;
      const tip = `${input.rows[j]!.label}, ${input.series[i]!.label}: ${high - low}`;
      bars +=
        `<rect x="${x(low)}" y="${y(`${j}`)}" width="${x(high) - x(low)}" height="${y.bandwidth()}" ` +
        `fill="${seriesFill(input.id, i)}"><title>${esc(tip)}</title></rect>`;
    });
  });
  let names_ = '';
  input.rows.forEach((row, j) => {
    const mid = (y(`${j}`) ?? 0) + y.bandwidth() / 2 + 4.5;
    const shown = row.label.length > LABEL_CHARS ? `${row.label.slice(0, LABEL_CHARS - 1)}…` : row.label;
    names_ +=
      `<text x="${plot.left - 6}" y="${mid}" text-anchor="end" fill="#222">${esc(shown)}</text>` +
      `<text x="${x(totals[j]!) + 5}" y="${mid}" fill="#222">${esc(row.text ?? String(totals[j]))}</text>`;
  });
  const body =
    (input.showLegend ? legend(input.id, names, 10, 4, WIDTH - 20) : '') +
    valueAxisBottom(x, plot, 4) +
    `<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" stroke="#333"/>` +
    (input.rows.length === 0 || (input.empty ?? Math.max(0, ...totals) === 0)
      ? emptyNote(frame, 'Nothing in this period.')
      : `<g class="bars">${bars}</g>${names_}`);
  return svgDocument(input, frame, seriesDefs(input.id, input.series.length), body);
}
