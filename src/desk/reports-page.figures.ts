import { horizontalBarsChart } from '../reports/charts/horizontal-bars.ts';
import { shareBarChart } from '../reports/charts/share-bar.ts';
import { REPORT_VERDICTS, type Durations, type ReportSummary } from '../reports/report-summary.ts';
import { REPORT_DECISION_EVENTS } from '../reports/report-figures.ts';
import {
  capitalised,
  percentText,
  periodText,
  type FigureBuilder,
  type FigureView,
  type ReportFigure,
} from './reports-page.figure.ts';
import {
  backlogFigure,
  breachesFigure,
  requestsFigure,
  satisfactionFigure,
} from './reports-page.figures-time.ts';
import { VERDICT_WORDS } from './words.ts';

// The figures of the period as a whole: verdicts, instant recovery, response times, decisions.
// BUILDERS, at the end, lists every figure's builder in one table.

const verdictsFigure: FigureBuilder = (summary, drawn) => {
  const counts = REPORT_VERDICTS.map((v) => summary.verdictMix.find((m) => m.verdict === v)?.count ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  const share = (n: number) => (total ? Math.round((n / total) * 1000) / 10 : 0);
  const label = (i: number) => capitalised(VERDICT_WORDS[REPORT_VERDICTS[i]!]);
  return {
    heading: 'Verdict mix',
    svg: drawn
      ? horizontalBarsChart({
          id: 'chart-verdicts',
          title: 'Requests by match verdict',
          desc: `Bars: how many of the ${total} requests filed in the period got each verdict. ${counts.map((c, i) => `${label(i)}: ${c}`).join('; ')}.`,
          rows: counts.map((count, i) => ({
            label: label(i),
            values: { n: count },
            text: `${count} (${share(count)}%)`,
          })),
          series: [{ key: 'n', label: 'Requests' }],
        })
      : '',
    table: {
      caption: `Requests filed ${periodText(summary)}, by match verdict.`,
      columns: ['Verdict', 'Requests', 'Share (%)'],
      rows: counts.map((count, i) => [label(i), count, share(count)]),
    },
  };
};

const instantFigure: FigureBuilder = (summary, drawn) => {
  const { resolved, resolvedAutomatically: auto, share } = summary.instant;
  const headline =
    share === null ? 'No request resolved yet' : `${percentText(share)} resolved automatically`;
  return {
    heading: 'Resolved automatically',
    svg: drawn
      ? shareBarChart({
          id: 'chart-instant',
          title: 'Share of resolved requests the desk resolved by itself',
          desc: `${headline}: ${auto} of the ${resolved} requests filed in the period and resolved were resolved by instant recovery, ${resolved - auto} by people.`,
          headline,
          parts: [
            { label: 'Automatically', value: auto },
            { label: 'By people', value: resolved - auto },
          ],
        })
      : '',
    table: {
      caption: `Requests filed ${periodText(summary)} and resolved, by who resolved them.`,
      columns: ['Resolved', 'Automatically', 'By people', 'Share automatic (%)'],
      rows: [[resolved, auto, resolved - auto, share === null ? '' : Math.round(share * 1000) / 10]],
    },
  };
};

/** Seconds as hours with two decimals: the table's and the CSV's unit. */
const hours = (seconds: number | null) => (seconds === null ? '' : Math.round(seconds / 36) / 100);

/** Seconds in words for the bars' labels: "45 s", "12 min", "3.5 h", "2.1 d". */
function durationText(seconds: number | null): string {
  if (seconds === null) return 'none yet';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const responseTimesFigure: FigureBuilder = (summary, drawn) => {
  const measures: [string, Durations][] = [
    ['First response', summary.firstResponse],
    ['Resolution', summary.resolution],
  ];
  const bars = measures.flatMap(([name, d]) =>
    (['p50Seconds', 'p90Seconds'] as const).map((p) => ({
      label: `${name} ${p === 'p50Seconds' ? 'p50' : 'p90'}`,
      values: { h: Number(hours(d[p]) || 0) },
      text: durationText(d[p]),
    })),
  );
  const note = measures
    .map(
      ([name, d]) =>
        `${name}: half within ${durationText(d.p50Seconds)}, nine in ten within ${durationText(d.p90Seconds)} (${d.count} requests)`,
    )
    .join('. ');
  return {
    heading: 'Time to first response and to resolution',
    note: `${note}.`,
    svg: drawn
      ? horizontalBarsChart({
          id: 'chart-response-times',
          title: 'Time to first response and to resolution, p50 and p90, in hours',
          desc: `Bars in hours: the median (p50) and the 90th percentile (p90) of the time from filing to the first response, and to resolution or rejection. ${note}.`,
          rows: bars,
          series: [{ key: 'h', label: 'Hours' }],
          empty: measures.every(([, d]) => d.count === 0),
        })
      : '',
    table: {
      caption: `Time from filing to the first response and to resolution or rejection, in hours, for requests filed ${periodText(summary)}.`,
      columns: ['Measure', 'Requests', 'p50 (hours)', 'p90 (hours)'],
      rows: measures.map(([name, d]) => [name, d.count, hours(d.p50Seconds), hours(d.p90Seconds)]),
    },
  };
};

const DECISION_WORDS: Record<(typeof REPORT_DECISION_EVENTS)[number], string> = {
  code_sent: 'Code sent',
  reissue_proposed: 'Reissue proposed',
  refund_proposed: 'Refund proposed',
  refund_approved: 'Refund approved',
  approval_rejected: 'Approval turned down',
  info_requested: 'Info requested',
  rejected: 'Rejected',
};
const decisionWord = (type: string) => (DECISION_WORDS as Record<string, string | undefined>)[type] ?? type;

const decisionsFigure: FigureBuilder = (summary, drawn) => {
  const known = REPORT_DECISION_EVENTS.filter((t) => summary.decisionsPerActor.some((d) => d.type === t));
  const other = [...new Set(summary.decisionsPerActor.map((d) => d.type))].filter(
    (t) => !(REPORT_DECISION_EVENTS as readonly string[]).includes(t),
  );
  const types = [...known, ...other.sort()];
  const byActor = new Map<string, Record<string, number>>();
  for (const d of summary.decisionsPerActor) {
    const row = byActor.get(d.actor) ?? {};
    row[d.type] = (row[d.type] ?? 0) + d.count;
    byActor.set(d.actor, row);
  }
  const total = (row: Record<string, number>) => Object.values(row).reduce((a, b) => a + b, 0);
  const actors = [...byActor.keys()].sort(
    (a, b) => total(byActor.get(b)!) - total(byActor.get(a)!) || a.localeCompare(b),
  );
  const name = (actor: string) => (actor === 'auto' ? 'The desk (automatic)' : actor);
  return {
    heading: 'Decisions per person',
    svg: drawn
      ? horizontalBarsChart({
          id: 'chart-decisions',
          title: 'Decisions per person, by type',
          desc: `Stacked bars, one per person: the decisions each took in the period, split by type. ${actors.map((a) => `${name(a)}: ${total(byActor.get(a)!)}`).join('; ') || 'None'}.`,
          rows: actors.map((a) => ({ label: name(a), values: byActor.get(a)! })),
          series: types.map((t) => ({ key: t, label: decisionWord(t) })),
          showLegend: true,
        })
      : '',
    table: {
      caption: `Decisions taken ${periodText(summary)}, per person and type.`,
      columns: ['Person', ...types.map(decisionWord), 'Total'],
      rows: actors.map((a) => [
        name(a),
        ...types.map((t) => byActor.get(a)![t] ?? 0),
        total(byActor.get(a)!),
      ]),
    },
  };
};

const BUILDERS: Record<ReportFigure, FigureBuilder> = {
  requests: requestsFigure,
  verdicts: verdictsFigure,
  instant: instantFigure,
  'response-times': responseTimesFigure,
  breaches: breachesFigure,
  backlog: backlogFigure,
  decisions: decisionsFigure,
  satisfaction: satisfactionFigure,
};

/** One figure of the summary; `drawn: false` leaves out the chart (for the CSV). */
export function reportFigure(summary: ReportSummary, key: ReportFigure, drawn = true): FigureView {
  return { key, ...BUILDERS[key](summary, drawn) };
}
