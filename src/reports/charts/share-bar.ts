import { scaleLinear } from 'd3-scale';
import {
  CHART_WIDTH,
  esc,
  legend,
  seriesDefs,
  seriesFill,
  svgDocument,
  type ChartText,
  type Frame,
} from './svg.ts';

/** A share as a large figure ("64 %") over one bar split into its parts, each part's count on it. */
export interface ShareBarInput extends ChartText {
  /** The figure in words, e.g. "64 % resolved automatically", or "No requests resolved yet". */
  headline: string;
  parts: { label: string; value: number }[];
}

const WIDTH = CHART_WIDTH;

export function shareBarChart(input: ShareBarInput): string {
  const frame: Frame = { width: WIDTH, height: 150, margin: { top: 0, right: 12, bottom: 0, left: 12 } };
  const left = frame.margin.left;
  const right = frame.width - frame.margin.right;
  const total = input.parts.reduce((sum, p) => sum + p.value, 0);
  const x = scaleLinear()
    .domain([0, Math.max(total, 1)])
    .range([left, right]);
  let at = 0;
  let bar = '';
  input.parts.forEach((part, i) => {
    if (part.value <= 0) return;
    const x0 = x(at);
    const x1 = x(at + part.value);
    at += part.value;
    bar += `<rect x="${x0}" y="58" width="${x1 - x0}" height="36" fill="${seriesFill(input.id, i)}" stroke="#222" stroke-width="0.5"><title>${esc(`${part.label}: ${part.value}`)}</title></rect>`;
  });
  if (total === 0)
    bar = `<rect x="${left}" y="58" width="${right - left}" height="36" fill="none" stroke="#767676" stroke-dasharray="4 3"/>`;
  const names = input.parts.map((p) => `${p.label}: ${p.value.toLocaleString('en')}`);
  const body =
    `<text x="${left}" y="38" font-size="28" font-weight="700" fill="#111">${esc(input.headline)}</text>` +
    bar +
    legend(input.id, names, left, 110, right - left);
  return svgDocument(input, frame, seriesDefs(input.id, input.parts.length), body);
}
