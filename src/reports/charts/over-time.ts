import { stack, type Series } from 'd3-shape';
import type { Plot } from './axis.ts';
import { CHART_WIDTH, legend, legendRows, type ChartText, type Frame } from './svg.ts';

/** What the charts over time (stacked bars, stacked areas) are given. */
export interface OverTimeInput extends ChartText {
  /** The x categories in order: days `YYYY-MM-DD`, or the first day of each week. */
  categories: string[];
  series: { key: string; label: string }[];
  /** One row per category, in the same order: each series' count. */
  values: Record<string, number>[];
  valueLabel: string;
}

/** The frame, plot, stacked layers and legend the charts over time share. */
export function overTimeLayout(input: OverTimeInput): {
  frame: Frame;
  plot: Plot;
  layers: Series<Record<string, number>, string>[];
  highest: number;
  legend: string;
} {
  const names = input.series.map((s) => s.label);
  const rows = legendRows(names, CHART_WIDTH - 60);
  const frame: Frame = {
    width: CHART_WIDTH,
    height: 300 + rows * 20,
    margin: { top: 14 + rows * 20, right: 16, bottom: 28, left: 52 },
  };
  const plot: Plot = {
    left: frame.margin.left,
    right: frame.width - frame.margin.right,
    top: frame.margin.top,
    bottom: frame.height - frame.margin.bottom,
  };
  const layers = stack<Record<string, number>>()
    .keys(input.series.map((s) => s.key))
    .value((row, key) => row[key] ?? 0)(input.values);
  const highest = Math.max(0, ...layers.flatMap((layer) => layer.map(([, high]) => high)));
  return {
    frame,
    plot,
    layers,
    highest,
    legend: legend(input.id, names, plot.left, 4, plot.right - plot.left),
  };
}
