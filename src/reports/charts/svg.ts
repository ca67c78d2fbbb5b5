/**
 * What every server-drawn chart shares: escaping, the <svg> frame with its title and description
 * (role="img", aria-labelledby), and the series' looks. A chart is a string of SVG markup put into
 * the page as is, so every text that reaches it passes through `esc` here.
 */

/** Escapes text for SVG (XML) content and double-quoted attributes. */
export function esc(text: string | number): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Every chart's width in its own units. Narrow on purpose: the SVG scales to its box, and on a
 * 390 px phone a narrower drawing keeps its 14-unit text at about 9 px, still readable.
 */
export const CHART_WIDTH = 520;

/** The drawing area inside the frame, and the margins left for axes and labels. */
export interface Frame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export interface ChartText {
  /** Unique on the page: ids of the title, description and patterns derive from it. */
  id: string;
  title: string;
  desc: string;
}

/** The outer <svg>: scales with its container (viewBox), named by its <title> and <desc>. */
export function svgDocument(text: ChartText, frame: Frame, defs: string, body: string): string {
  const t = `${text.id}-title`;
  const d = `${text.id}-desc`;
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${frame.width} ${frame.height}" ` +
    `role="img" aria-labelledby="${esc(t)} ${esc(d)}" font-family="system-ui, sans-serif" font-size="14">` +
    `<title id="${esc(t)}">${esc(text.title)}</title><desc id="${esc(d)}">${esc(text.desc)}</desc>` +
    `<defs>${defs}</defs>${shortened(body)}</svg>`
  );
}

/** Coordinates to one decimal (d3 gives fifteen): a year's page is a third smaller, and looks the same. */
function shortened(markup: string): string {
  return markup.replace(/="([^"]*)"/g, (_, value: string) => `="${value.replace(/(\.\d)\d+/g, '$1')}"`);
}

/**
 * Okabe and Ito's colour-blind-safe colours (the yellow left out: too pale on white), each dark
 * enough to stand out from the white page, and a pattern per series on top, so that series can be
 * told apart in grey or by a reader who cannot tell the colours apart.
 */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#000000'] as const;
const PATTERNS = ['solid', 'stripes', 'dots', 'cross', 'back-stripes', 'grid', 'solid'] as const;
type Pattern = (typeof PATTERNS)[number];

const MARKS: Record<Pattern, string> = {
  solid: '',
  stripes: '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="1.6"/>',
  dots: '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
  cross: '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.2"/>',
  'back-stripes': '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="#fff" stroke-width="1.6"/>',
  grid: '<path d="M4,0 V8 M0,4 H8" stroke="#fff" stroke-width="1.2"/>',
};

export function colourOf(index: number): string {
  return COLOURS[index % COLOURS.length]!;
}

/** The <pattern>s of a chart's series: a colour with white marks, one per series index. */
export function seriesDefs(chartId: string, count: number): string {
  let defs = '';
  for (let i = 0; i < count; i += 1) {
    const pattern = PATTERNS[i % PATTERNS.length]!;
    defs +=
      `<pattern id="${esc(chartId)}-s${i}" width="8" height="8" patternUnits="userSpaceOnUse">` +
      `<rect width="8" height="8" fill="${colourOf(i)}"/>${MARKS[pattern]}</pattern>`;
  }
  return defs;
}

/** The fill of series `index`: its pattern. */
export function seriesFill(chartId: string, index: number): string {
  return `url(#${esc(chartId)}-s${index})`;
}

/** A row of swatches and names above the plot; wraps onto further rows when it runs out of room. */
export function legend(chartId: string, names: string[], x: number, y: number, width: number): string {
  let out = '';
  let at = x;
  let row = y;
  for (const [i, name] of names.entries()) {
    const room = 22 + name.length * 7.8;
    if (at > x && at + room > x + width) {
      at = x;
      row += 20;
    }
    out +=
      `<rect x="${at}" y="${row}" width="14" height="14" fill="${seriesFill(chartId, i)}" stroke="#222" stroke-width="0.5"/>` +
      `<text x="${at + 19}" y="${row + 11.5}" fill="#222">${esc(name)}</text>`;
    at += room + 12;
  }
  return `<g class="legend">${out}</g>`;
}

/** How many rows `legend` needs for these names in this width. */
export function legendRows(names: string[], width: number): number {
  let rows = names.length ? 1 : 0;
  let at = 0;
  for (const name of names) {
    const room = 22 + name.length * 7.8;
    if (at > 0 && at + room > width) {
      rows += 1;
      at = 0;
    }
    at += room + 12;
  }
  return rows;
}

/** A short note drawn in place of a plot that has nothing to show. */
export function emptyNote(frame: Frame, text: string): string {
  return `<text x="${frame.width / 2}" y="${frame.height / 2}" text-anchor="middle" fill="#444">${esc(text)}</text>`;
}

/** A number as a chart label: whole numbers as they are, others to one decimal. */
export function numberText(value: number): string {
  return Number.isInteger(value) ? NUMBER.format(value) : value.toFixed(1);
}

const NUMBER = new Intl.NumberFormat('en');
