import { consoleTime } from '../time-text.ts';
import { REJECT_REASON_TEXT } from './request-page.history.ts';
import type { RelatedRequestRow } from './request-page.repository.ts';
import { STATUS_WORDS, VERDICT_WORDS, wordFor } from './words.ts';

/** How many of the requester's other requests the request page lists (the newest). */
export const RELATED_SHOWN = 20;

/** The requester's other requests as the request page lists them: why related, status, outcome. */
export function customerHistoryView(rows: RelatedRequestRow[]) {
  return rows.map((row) => ({
    reference: row.reference,
    filed: consoleTime(row.created_at),
    statusLabel: wordFor(STATUS_WORDS, row.status),
    status: row.status,
    verdictLabel: row.verdict ? wordFor(VERDICT_WORDS, row.verdict) : null,
    verdict: row.verdict,
    why: [row.same_mailbox ? 'same mailbox' : null, row.same_licence ? 'same licence' : null]
      .filter(Boolean)
      .join(', '),
    outcome: outcomeText(row),
  }));
}

/** How a closed request ended, in a few words; '' while it is open. */
function outcomeText(row: RelatedRequestRow): string {
  switch (row.outcome_type) {
    case 'code_sent':
      return row.outcome_data?.mode === 'replace' ? 'code replaced and sent' : 'code sent';
    case 'refund_approved':
      return 'refunded';
    case 'rejected':
      return `rejected: ${wordFor(REJECT_REASON_TEXT, reasonOf(row.outcome_data)).toLowerCase()}`;
    case null:
    default:
      return row.status === 'resolved' || row.status === 'rejected' ? row.status : '';
  }
}

export type CustomerHistoryItem = ReturnType<typeof customerHistoryView>[number];

function reasonOf(data: Record<string, unknown> | null): string {
  return typeof data?.reason === 'string' ? data.reason : '';
}
