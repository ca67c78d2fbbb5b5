import type { ReportSummary } from '../../src/reports/report-summary.ts';

const DAY_MS = 86_400_000;

/**
 * A ReportSummary made up in the test (not read from a database): each day of the period with
 * counts that vary from day to day, so that the charts are drawn as they are from real figures.
 */
export function madeUpSummary(
  from: string,
  to: string,
  overrides: Partial<ReportSummary> = {},
): ReportSummary {
  const start = Date.parse(`${from}T00:00:00Z`);
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - start) / DAY_MS) + 1;
  const dayAt = (i: number) => new Date(start + i * DAY_MS).toISOString().slice(0, 10);
  const wave = (i: number, k: number) => Math.round(4 + 3 * Math.sin(i / 3 + k) + (i % 5));
  const summary: ReportSummary = {
    period: { from, to, days },
    requestsPerDay: [],
    verdictMix: [
      { verdict: 'strong', count: 120 },
      { verdict: 'partial', count: 45 },
      { verdict: 'none', count: 30 },
      { verdict: 'conflict', count: 6 },
      { verdict: 'unmatched', count: 3 },
    ],
    instant: { resolved: 150, resolvedAutomatically: 96, share: 0.64 },
    firstResponse: { count: 180, p50Seconds: 2 * 3600, p90Seconds: 9 * 3600 },
    resolution: { count: 150, p50Seconds: 26 * 3600, p90Seconds: 80 * 3600 },
    breachesPerDay: [],
    backlogPerDay: [],
    decisionsPerActor: [
      { actor: 'auto', type: 'code_sent', count: 96 },
      { actor: 'ana.lead@desk.test', type: 'code_sent', count: 20 },
      { actor: 'ana.lead@desk.test', type: 'rejected', count: 7 },
      { actor: 'ben@desk.test', type: 'info_requested', count: 12 },
      { actor: 'ben@desk.test', type: 'refund_proposed', count: 3 },
    ],
    satisfactionPerDay: [],
    satisfaction: { helpful: 0, notHelpful: 0, comments: 4, share: null },
    includesDemoData: false,
  };
  for (let i = 0; i < days; i += 1) {
    const day = dayAt(i);
    summary.requestsPerDay.push(
      { day, channel: 'form', outcome: 'resolved', count: wave(i, 0) },
      { day, channel: 'api', outcome: 'resolved', count: wave(i, 1) % 3 },
      { day, channel: 'form', outcome: 'rejected', count: wave(i, 2) % 2 },
      { day, channel: 'email', outcome: 'open', count: i >= days - 5 ? wave(i, 3) : 0 },
    );
    summary.breachesPerDay.push({ day, firstResponse: i % 4 === 0 ? 1 : 0, resolution: i % 6 === 0 ? 2 : 0 });
    summary.backlogPerDay.push(
      { day, status: 'received', count: 1 + (i % 2) },
      { day, status: 'triage', count: wave(i, 0) },
      { day, status: 'waiting_on_customer', count: wave(i, 2) },
      { day, status: 'pending_approval', count: i % 3 },
    );
    const helpful = wave(i, 1) % 4;
    const notHelpful = i % 3 === 0 ? 1 : 0;
    summary.satisfactionPerDay.push({ day, helpful, notHelpful });
    summary.satisfaction.helpful += helpful;
    summary.satisfaction.notHelpful += notHelpful;
  }
  const answered = summary.satisfaction.helpful + summary.satisfaction.notHelpful;
  summary.satisfaction.share = answered ? summary.satisfaction.helpful / answered : null;
  return { ...summary, ...overrides };
}
