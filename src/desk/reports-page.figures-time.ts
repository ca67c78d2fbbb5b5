import { stackedAreaChart } from '../reports/charts/stacked-area.ts';
import { stackedBarsChart } from '../reports/charts/stacked-bars.ts';
import { BACKLOG_STATUSES, REPORT_OUTCOMES, type ReportOutcome } from '../reports/report-summary.ts';
import { INTAKE_CHANNELS, type IntakeChannel } from '../requests/intake-channel.ts';
import { binsOf, daysOf, sumIntoBins, type Bins } from './reports-page.bins.ts';
import { capitalised, percentText, periodText, type FigureBuilder } from './reports-page.figure.ts';
import { STATUS_WORDS } from './words.ts';

// The figures over time: requests, breaches and satisfaction per day (per week for long periods),
// and the backlog at the end of each day.

const OUTCOME_WORDS: Record<ReportOutcome, string> = {
  open: 'Still open',
  resolved: 'Resolved',
  rejected: 'Rejected',
};

const CHANNEL_COLUMNS: Record<IntakeChannel, string> = {
  form: 'Web form',
  api: 'API',
  demo: 'Demo data',
  email: 'Email reply',
};

/** The first column's name and the caption's words for the bins. */
function binWords(bins: Bins) {
  return bins.weekly
    ? {
        column: 'Week from',
        per: 'per week',
        why: ' Drawn per week (seven days from each date shown, the last one may be shorter) because the period is longer than 90 days.',
      }
    : { column: 'Day', per: 'per day', why: '' };
}

const sum = (row: Record<string, number>) => Object.values(row).reduce((a, b) => a + b, 0);

export const requestsFigure: FigureBuilder = (summary, drawn) => {
  const bins = binsOf(daysOf(summary.period.from, summary.period.to));
  const words = binWords(bins);
  const rows = summary.requestsPerDay;
  const byOutcome = sumIntoBins(
    bins,
    REPORT_OUTCOMES,
    rows.map((r) => ({ ...r, key: r.outcome })),
  );
  const byChannel = sumIntoBins(
    bins,
    INTAKE_CHANNELS,
    rows.map((r) => ({ ...r, key: r.channel })),
  );
  const total = byOutcome.reduce((a, row) => a + sum(row), 0);
  const title = `Requests filed ${words.per}, by outcome`;
  return {
    heading: 'Requests',
    note: `${total.toLocaleString('en')} requests filed ${periodText(summary)}.`,
    svg: drawn
      ? stackedBarsChart({
          id: 'chart-requests',
          title,
          desc: `Stacked bars, ${words.per}: how many requests were filed, split by where each stands now (still open, resolved, rejected). ${total} in all.${words.why}`,
          categories: bins.starts,
          series: REPORT_OUTCOMES.map((key) => ({ key, label: OUTCOME_WORDS[key] })),
          values: byOutcome,
          valueLabel: 'requests',
        })
      : '',
    table: {
      caption: `Requests filed ${words.per}, by outcome and by channel, ${periodText(summary)}.${words.why}`,
      columns: [
        words.column,
        ...REPORT_OUTCOMES.map((o) => OUTCOME_WORDS[o]),
        ...INTAKE_CHANNELS.map((c) => CHANNEL_COLUMNS[c]),
        'Total',
      ],
      rows: bins.starts.map((start, i) => [
        start,
        ...REPORT_OUTCOMES.map((o) => byOutcome[i]![o]),
        ...INTAKE_CHANNELS.map((c) => byChannel[i]![c]),
        sum(byOutcome[i]!),
      ]),
    },
  };
};

const BREACHES = ['firstResponse', 'resolution'] as const;
const BREACH_WORDS: Record<(typeof BREACHES)[number], string> = {
  firstResponse: 'First response late',
  resolution: 'Resolution late',
};

export const breachesFigure: FigureBuilder = (summary, drawn) => {
  const bins = binsOf(daysOf(summary.period.from, summary.period.to));
  const words = binWords(bins);
  const values = sumIntoBins(
    bins,
    BREACHES,
    summary.breachesPerDay.flatMap((r) => BREACHES.map((key) => ({ day: r.day, key, count: r[key] }))),
  );
  const total = values.reduce((a, row) => a + sum(row), 0);
  return {
    heading: 'Service-level breaches',
    note: `${total.toLocaleString('en')} due times passed ${periodText(summary)}.`,
    svg: drawn
      ? stackedBarsChart({
          id: 'chart-breaches',
          title: `Service-level breaches ${words.per}`,
          desc: `Stacked bars, ${words.per}: requests whose first-response or resolution due time passed that day. ${total} in all.${words.why}`,
          categories: bins.starts,
          series: BREACHES.map((key) => ({ key, label: BREACH_WORDS[key] })),
          values,
          valueLabel: 'breaches',
        })
      : '',
    table: {
      caption: `Due times passed ${words.per}, ${periodText(summary)}.${words.why}`,
      columns: [words.column, ...BREACHES.map((b) => BREACH_WORDS[b]), 'Total'],
      rows: bins.starts.map((start, i) => [start, ...BREACHES.map((b) => values[i]![b]), sum(values[i]!)]),
    },
  };
};

export const backlogFigure: FigureBuilder = (summary, drawn) => {
  const days = daysOf(summary.period.from, summary.period.to);
  const values = sumIntoBins(
    // A level, not a count: a week's sum would mean nothing, so the backlog stays daily.
    binsOf(days, true),
    BACKLOG_STATUSES,
    summary.backlogPerDay.map((r) => ({ ...r, key: r.status })),
  );
  const label = (s: (typeof BACKLOG_STATUSES)[number]) => capitalised(STATUS_WORDS[s]);
  const last = values.at(-1);
  return {
    heading: 'Backlog',
    note: last && `${sum(last).toLocaleString('en')} requests open at the end of ${summary.period.to}.`,
    svg: drawn
      ? stackedAreaChart({
          id: 'chart-backlog',
          title: 'Open requests at the end of each day, by status',
          desc: `Stacked areas, one point per day: how many requests stood in each open status at the end of the day. ${last ? sum(last) : 0} open at the end of the period.`,
          categories: days,
          series: BACKLOG_STATUSES.map((key) => ({ key, label: label(key) })),
          values,
          valueLabel: 'open requests',
        })
      : '',
    table: {
      caption: `Open requests at the end of each day, by status, ${periodText(summary)}.`,
      columns: ['Day', ...BACKLOG_STATUSES.map(label), 'Total'],
      rows: days.map((day, i) => [day, ...BACKLOG_STATUSES.map((s) => values[i]![s]), sum(values[i]!)]),
    },
  };
};

const ANSWERS = ['helpful', 'notHelpful'] as const;
const ANSWER_WORDS: Record<(typeof ANSWERS)[number], string> = {
  helpful: 'Helpful',
  notHelpful: 'Not helpful',
};

export const satisfactionFigure: FigureBuilder = (summary, drawn) => {
  const bins = binsOf(daysOf(summary.period.from, summary.period.to));
  const words = binWords(bins);
  const values = sumIntoBins(
    bins,
    ANSWERS,
    summary.satisfactionPerDay.flatMap((r) => ANSWERS.map((key) => ({ day: r.day, key, count: r[key] }))),
  );
  const s = summary.satisfaction;
  const note =
    s.share === null
      ? 'No customer answered in this period.'
      : `${percentText(s.share)} helpful: ${s.helpful} helpful and ${s.notHelpful} not helpful answers, ${s.comments} with a comment.`;
  return {
    heading: 'Satisfaction',
    note,
    svg: drawn
      ? stackedBarsChart({
          id: 'chart-satisfaction',
          title: `Customers' answers ${words.per}`,
          desc: `Stacked bars, ${words.per}: customers' one-click answers, helpful or not. ${note}${words.why}`,
          categories: bins.starts,
          series: ANSWERS.map((key) => ({ key, label: ANSWER_WORDS[key] })),
          values,
          valueLabel: 'answers',
        })
      : '',
    table: {
      caption: `Customers' answers ${words.per}, ${periodText(summary)}.${words.why}`,
      columns: [words.column, ...ANSWERS.map((a) => ANSWER_WORDS[a]), 'Total'],
      rows: bins.starts.map((start, i) => [start, ...ANSWERS.map((a) => values[i]![a]), sum(values[i]!)]),
    },
  };
};
