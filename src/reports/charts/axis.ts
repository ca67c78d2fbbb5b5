import type { ScaleBand, ScaleLinear } from 'd3-scale';
import { esc, numberText } from './svg.ts';

/** Plot bounds in the SVG's own units. */
export interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A value axis on the left: light grid lines across the plot, each tick's number beside it. */
export function valueAxisLeft(y: ScaleLinear<number, number>, plot: Plot, label: string): string {
  let out = '';
  for (const tick of y.ticks(5).filter(Number.isInteger)) {
    const at = y(tick);
    out +=
      `<line x1="${plot.left}" x2="${plot.right}" y1="${at}" y2="${at}" stroke="#ccc" stroke-width="1"/>` +
      `<text x="${plot.left - 6}" y="${at + 4}" text-anchor="end" fill="#333">${numberText(tick)}</text>`;
  }
  out += `<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" stroke="#333"/>`;
  const mid = (plot.top + plot.bottom) / 2;
  out += `<text transform="translate(12 ${mid}) rotate(-90)" text-anchor="middle" fill="#333">${esc(label)}</text>`;
  return `<g class="axis y">${out}</g>`;
}

/** A value axis at the bottom (for horizontal bars): grid lines up the plot, numbers below. */
export function valueAxisBottom(x: ScaleLinear<number, number>, plot: Plot, ticks = 5): string {
  let out = '';
  for (const tick of x.ticks(ticks)) {
    const at = x(tick);
    out +=
      `<line x1="${at}" x2="${at}" y1="${plot.top}" y2="${plot.bottom}" stroke="#ccc" stroke-width="1"/>` +
      `<text x="${at}" y="${plot.bottom + 16}" text-anchor="middle" fill="#333">${numberText(tick)}</text>`;
  }
  return `<g class="axis x">${out}</g>`;
}

/**
 * Category labels along the bottom, thinned so they never overlap (about 8 units a character at
 * this size): a year of days shows a label every few weeks, a week shows each day. `at` gives the
 * x of the i-th category, `step` the distance between two.
 */
export function categoryAxisBottom(
  categories: string[],
  at: (index: number) => number,
  step: number,
  plot: Plot,
  labelOf: (category: string) => string,
): string {
  const widest = Math.max(...categories.map((c) => labelOf(c).length), 1) * 8 + 12;
  const every = Math.max(1, Math.ceil(widest / Math.max(step, 1)));
  let out = `<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" stroke="#333"/>`;
  categories.forEach((category, i) => {
    if (i % every !== 0) return;
    const x = at(i);
    out +=
      `<line x1="${x}" x2="${x}" y1="${plot.bottom}" y2="${plot.bottom + 4}" stroke="#333"/>` +
      `<text x="${x}" y="${plot.bottom + 17}" text-anchor="middle" fill="#333">${esc(labelOf(category))}</text>`;
  });
  return `<g class="axis x">${out}</g>`;
}

/** Where a band scale puts the middle of each category, and its step, for categoryAxisBottom. */
export function bandCentres(x: ScaleBand<string>): { at: (index: number) => number; step: number } {
  const domain = x.domain();
  return { at: (i) => (x(domain[i]!) ?? 0) + x.bandwidth() / 2, step: x.step() };
}

/** "2026-03-07" → "7 Mar": short enough for an axis, the full date is in the table. */
export function shortDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return SHORT_DAY.format(date);
}

// One formatter for every label: toLocaleDateString builds a new one per call, which was most of
// the time a year's page took to draw.
const SHORT_DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
