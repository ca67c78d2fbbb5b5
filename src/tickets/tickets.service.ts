import { listEvents } from '../history/history.repository.ts';
import type { RequestEvent } from '../history/events.ts';
import type { Db } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { recordedCopy } from '../mail/email-render.ts';
import { normaliseReference } from '../requests/reference.ts';
import type { Templates } from '../templates.ts';
import { satisfactionOf } from '../satisfaction/satisfaction.service.ts';
import {
  findMatchResult,
  findTicketRequest,
  listApprovals,
  listAttachments,
  listEmails,
  type TicketApprovalRow,
  type TicketAttachmentRow,
  type StoredTicketEmailRow,
  type TicketEmailRow,
  type TicketRequestRow,
  type TicketWorkRow,
} from './tickets.repository.ts';

type TopLevel = 'reference' | 'status' | 'created_at' | 'updated_at' | 'duplicate_of' | keyof TicketWorkRow;

/** A request as a technician sees it (`GET /api/v1/tickets/:reference`). */
export interface Ticket {
  reference: string;
  status: string;
  created_at: Date;
  updated_at: Date;
  /** The reference of the open request this one duplicates, if the matcher linked one. */
  duplicate_of: string | null;
  request: Omit<TicketRequestRow, TopLevel | 'id' | 'typed'>;
  /** What the customer typed, before normalisation. */
  typed: Record<string, string>;
  /** The matcher's MatchResult; null until the matcher has run. */
  match: unknown;
  history: RequestEvent[];
  emails: TicketEmailRow[];
  attachments: TicketAttachmentRow[];
  /** Who holds the request (one owner at a time); null when nobody does. */
  claim: { by: string; at: Date | null } | null;
  /**
   * Service-level due times, already pushed back by any time spent waiting on the customer.
   * `paused_since` is set while the clock stands still.
   */
  service_levels: {
    first_response_due_at: Date | null;
    first_responded_at: Date | null;
    resolution_due_at: Date | null;
    closed_at: Date | null;
    paused_since: Date | null;
    paused_seconds: number;
  };
  /** Refunds and reissues elsewhere proposed for this request, with who proposed and who decided. */
  approvals: TicketApprovalRow[];
  /** The customer's answer to "was this helpful?" in the closing email, and their comment; null until they click. */
  satisfaction: { answer: string; answered_at: Date; comment: string | null } | null;
}

export async function getTicket(
  deps: { db: Db; templates: Templates },
  referenceInput: string,
): Promise<Ticket> {
  const reference = normaliseReference(referenceInput);
  const row = reference ? await findTicketRequest(deps.db, reference) : undefined;
  if (!row) throw new NotFoundError('No request has this reference.');
  const { id, reference: ref, status, created_at, updated_at, duplicate_of, typed, ...rest } = row;
  const { claimed_by, claimed_at, ...afterClaim } = rest;
  const { first_response_due_at, resolution_due_at, first_responded_at, closed_at, ...afterClock } =
    afterClaim;
  const { paused_since, paused_seconds, ...request } = afterClock;
  const [match, history, emails, attachments, approvals, satisfaction] = await Promise.all([
    findMatchResult(deps.db, id),
    listEvents(deps.db, id),
    listEmails(deps.db, id).then((rows) => rows.map((row) => withSubject(deps.templates, row))),
    listAttachments(deps.db, id),
    listApprovals(deps.db, id),
    satisfactionOf(deps.db, id),
  ]);
  return {
    reference: ref,
    status,
    created_at,
    updated_at,
    duplicate_of,
    request,
    typed,
    match,
    history,
    emails,
    attachments,
    claim: claimed_by ? { by: claimed_by, at: claimed_at } : null,
    service_levels: {
      first_response_due_at,
      first_responded_at,
      resolution_due_at,
      closed_at,
      paused_since,
      paused_seconds,
    },
    approvals,
    satisfaction: satisfaction && {
      answer: satisfaction.answer,
      answered_at: satisfaction.answered_at,
      comment: satisfaction.comment,
    },
  };
}

/** An email's subject as recorded, or as the email job will record it (one still waiting). */
function withSubject(templates: Templates, row: StoredTicketEmailRow): TicketEmailRow {
  const { facts, subject, ...rest } = row;
  return {
    ...rest,
    subject: subject ?? recordedCopy(templates, { ...row, facts, subject, html: null, text: null }).subject,
  };
}
