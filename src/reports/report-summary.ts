import type { IntakeChannel } from '../requests/intake-channel.ts';
import type { RequestStatus } from '../requests/request-status.ts';

/**
 * The figures of /desk/reports and GET /api/v1/reports/summary (SPEC §13, README "Reports"), one
 * shape for both: the page draws each as an SVG chart with its table and CSV, the API returns it as
 * JSON. Days are UTC calendar days written `YYYY-MM-DD`; `from` and `to` are both included.
 */
export interface ReportSummary {
  period: { from: string; to: string; days: number };
  /** Requests filed per day, by how they came in and where they stand now. */
  requestsPerDay: { day: string; channel: IntakeChannel; outcome: ReportOutcome; count: number }[];
  /** The verdict of each request filed in the period; `unmatched` has no match result yet. */
  verdictMix: { verdict: ReportVerdict; count: number }[];
  /** Of the requests filed in the period and resolved, how many the desk resolved itself (`auto`). */
  instant: { resolved: number; resolvedAutomatically: number; share: number | null };
  /** Filing to first response, and filing to resolution or rejection, in seconds (null: none yet). */
  firstResponse: Durations;
  resolution: Durations;
  /** Requests whose first-response or resolution due time passed first, per day it passed. */
  breachesPerDay: { day: string; firstResponse: number; resolution: number }[];
  /** How many requests stood in each open status at the end of each day. */
  backlogPerDay: { day: string; status: BacklogStatus; count: number }[];
  /** Decisions taken in the period, per person (`auto` is the desk itself) and decision type. */
  decisionsPerActor: { actor: string; type: string; count: number }[];
  /** Customers' one-click answers in the period, per day they answered. */
  satisfactionPerDay: { day: string; helpful: number; notHelpful: number }[];
  satisfaction: { helpful: number; notHelpful: number; comments: number; share: number | null };
  /** True when any figure counts `desk demo --history` data (the page says so). */
  includesDemoData: boolean;
}

export const REPORT_OUTCOMES = ['open', 'resolved', 'rejected'] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

export const REPORT_VERDICTS = ['strong', 'partial', 'none', 'conflict', 'unmatched'] as const;
export type ReportVerdict = (typeof REPORT_VERDICTS)[number];

export const BACKLOG_STATUSES = [
  'received',
  'triage',
  'waiting_on_customer',
  'pending_approval',
] as const satisfies readonly RequestStatus[];
export type BacklogStatus = (typeof BACKLOG_STATUSES)[number];

export interface Durations {
  count: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
}

/** The longest period one report covers (a year and a day, so a leap year fits). */
export const MAX_REPORT_DAYS = 366;
