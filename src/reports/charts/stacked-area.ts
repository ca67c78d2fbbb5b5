import { scaleLinear, scalePoint } from 'd3-scale';
import { area } from 'd3-shape';
import { categoryAxisBottom, shortDay, valueAxisLeft } from './axis.ts';
import { overTimeLayout, type OverTimeInput } from './over-time.ts';
import { colourOf, emptyNote, esc, seriesDefs, seriesFill, svgDocument } from './svg.ts';

/** Levels over time (the backlog at the end of each day), each series stacked on the ones below. */
export function stackedAreaChart(input: OverTimeInput): string {
  const { frame, plot, layers, highest, legend } = overTimeLayout(input);
  const days = input.categories;
  // A single day is drawn as a band across the plot rather than a line of no width.
  const points = Math.max(2, days.length);
  const x = scalePoint<number>()
    .domain([...Array(points).keys()])
    .range([plot.left, plot.right]);
  const y = scaleLinear()
    .domain([0, Math.max(highest, 1)])
    .nice()
    .range([plot.bottom, plot.top]);
  const shape = area<[number, number]>()
    .x((_, i) => x(i) ?? plot.left)
    .y0(([low]) => y(low))
    .y1(([, high]) => y(high));
  let paths = '';
  layers.forEach((layer, i) => {
    const drawn = layer.map(([low, high]) => [low, high] as [number, number]);
    if (drawn.length === 1) drawn.push(drawn[0]!);
    paths +=
      `<path d="${shape(drawn) ?? ''}" fill="${seriesFill(input.id, i)}" stroke="${colourOf(i)}" stroke-width="1">` +
      `<title>${esc(input.series[i]!.label)}</title></path>`;
  });
  const body =
    legend +
    valueAxisLeft(y, plot, input.valueLabel) +
    categoryAxisBottom(days, (i) => x(i) ?? plot.left, x.step(), plot, shortDay) +
    (days.length === 0 ? emptyNote(frame, 'Nothing in this period.') : `<g class="areas">${paths}</g>`);
  return svgDocument(input, frame, seriesDefs(input.id, input.series.length), body);
}
