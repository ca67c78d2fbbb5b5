import type { Readable } from 'node:stream';
import type { Db } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { fileCipherOf, openAttachmentContent } from '../requests/attachment-store.ts';
import type { Config } from '../config.ts';
import { normaliseReference } from '../requests/reference.ts';
import { getTicket, type Ticket } from '../tickets/tickets.service.ts';
import {
  findAttachment,
  findEmailHtml,
  findMatchedPurchase,
  listDeskAttachments,
  listDeskEmails,
  type DeskAttachmentRow,
  type DeskEmailRow,
  type DeskPurchaseRow,
} from './request-page.repository.ts';

/** Everything the request page shows: the ticket of the API, plus ids, masked email text and the purchase now. */
export interface RequestPageData {
  ticket: Ticket;
  emails: DeskEmailRow[];
  attachments: DeskAttachmentRow[];
  purchase: DeskPurchaseRow | undefined;
}

export async function loadRequestPage(deps: { db: Db }, referenceInput: string): Promise<RequestPageData> {
  const ticket = await getTicket(deps, referenceInput);
  const [emails, attachments, purchase] = await Promise.all([
    listDeskEmails(deps.db, ticket.reference),
    listDeskAttachments(deps.db, ticket.reference),
    findMatchedPurchase(deps.db, ticket.reference),
  ]);
  return {
    ticket,
    emails,
    attachments,
    purchase,
  };
}

/** A stored upload of the request, streamed from the database, with the type checked at upload. */
export async function readAttachment(
  deps: { db: Db; config: Pick<Config, 'secretKey' | 'secretKeyPrevious'> },
  referenceInput: string,
  id: number,
): Promise<{ name: string; type: string; size: number; content: Readable }> {
  const reference = normaliseReference(referenceInput);
  const row = reference ? await findAttachment(deps.db, reference, id) : undefined;
  if (!row) throw new NotFoundError('No attachment has this id on this request.');
  if (row.storage_path === '')
    throw new NotFoundError('The file of this attachment was removed by `desk purge`.');
  if (row.storage_path !== null)
    throw new NotFoundError(
      'The file of this attachment is still on the disk of an older desk: run `desk migrate` where its DATA_DIR is.',
    );
  const content = await openAttachmentContent(deps.db, fileCipherOf(deps.config), row);
  return { name: row.name, type: row.type, size: row.size, content };
}

/** The masked HTML copy of an email, as stored. */
export async function emailHtml(deps: { db: Db }, id: number): Promise<string> {
  const html = await findEmailHtml(deps.db, id);
  if (html === undefined) throw new NotFoundError('No email has this id.');
  return html;
}
