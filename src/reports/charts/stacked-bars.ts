import { scaleBand, scaleLinear } from 'd3-scale';
import { bandCentres, categoryAxisBottom, shortDay, valueAxisLeft } from './axis.ts';
import { overTimeLayout, type OverTimeInput } from './over-time.ts';
import { emptyNote, esc, seriesDefs, seriesFill, svgDocument } from './svg.ts';

/** Columns over time (days or weeks), each split into its series, stacked bottom up. */
export function stackedBarsChart(input: OverTimeInput): string {
  const { frame, plot, layers, highest, legend } = overTimeLayout(input);
  const x = scaleBand<string>().domain(input.categories).range([plot.left, plot.right]).padding(0.15);
  const y = scaleLinear()
    .domain([0, Math.max(highest, 1)])
    .nice()
    .range([plot.bottom, plot.top]);
  let bars = '';
  layers.forEach((layer, i) => {
    layer.forEach(([low, high], j) => {
      if (high <= low) return;
      const category = input.categories[j]!;
      const label = `${input.series[i]!.label}, ${category}: ${high - low}`;
      bars +=
        `<rect x="${x(category)}" y="${y(high)}" width="${x.bandwidth()}" height="${y(low) - y(high)}" ` +
        `fill="${seriesFill(input.id, i)}"><title>${esc(label)}</title></rect>`;
    });
  });
  const centres = bandCentres(x);
  const body =
    legend +
    valueAxisLeft(y, plot, input.valueLabel) +
    categoryAxisBottom(input.categories, centres.at, centres.step, plot, shortDay) +
    (highest === 0 ? emptyNote(frame, 'Nothing in this period.') : `<g class="bars">${bars}</g>`);
  return svgDocument(input, frame, seriesDefs(input.id, input.series.length), body);
}
