import type { Db } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { normaliseReference } from '../requests/reference.ts';
import {
  findMatchResult,
  findTicketRequest,
  listAttachments,
  listEmails,
  listEvents,
  type TicketAttachmentRow,
  type TicketEmailRow,
  type TicketEventRow,
  type TicketRequestRow,
} from './tickets.repository.ts';

type TopLevel = 'reference' | 'status' | 'created_at' | 'updated_at' | 'duplicate_of';

/** A request as a technician sees it (SPEC §7 `GET /api/v1/tickets/:reference`). */
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
  /** The match result of SPEC §6; null until the matcher has run. */
  match: unknown;
  history: TicketEventRow[];
  emails: TicketEmailRow[];
  attachments: TicketAttachmentRow[];
}

export async function getTicket(deps: { db: Db }, referenceInput: string): Promise<Ticket> {
  const reference = normaliseReference(referenceInput);
  const row = reference ? await findTicketRequest(deps.db, reference) : undefined;
  if (!row) throw new NotFoundError('No request has this reference.');
  const { id, reference: ref, status, created_at, updated_at, duplicate_of, typed, ...request } = row;
  const [match, history, emails, attachments] = await Promise.all([
    findMatchResult(deps.db, id),
    listEvents(deps.db, id),
    listEmails(deps.db, id),
    listAttachments(deps.db, id),
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
  };
}
