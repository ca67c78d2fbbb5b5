import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
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

/** A stored upload of the request, read from DATA_DIR, with the type checked at upload. */
export async function readAttachment(
  deps: { db: Db; config: { dataDir: string } },
  referenceInput: string,
  id: number,
): Promise<{ name: string; type: string; content: Buffer }> {
  const reference = normaliseReference(referenceInput);
  const row = reference ? await findAttachment(deps.db, reference, id) : undefined;
  if (!row) throw new NotFoundError('No attachment has this id on this request.');
  // storage_path is ours (uploads/<month>/<uuid>.<ext>); still, never read outside DATA_DIR.
  const root = path.resolve(deps.config.dataDir);
  const file = path.resolve(root, row.storage_path);
  if (!file.startsWith(root + path.sep))
    throw new NotFoundError('No attachment has this id on this request.');
  const content = await readFile(file).catch(() => {
    throw new NotFoundError('The file of this attachment is missing.');
  });
  return { name: row.name, type: row.type, content };
}

/** The masked HTML copy of an email, as stored. */
export async function emailHtml(deps: { db: Db }, id: number): Promise<string> {
  const html = await findEmailHtml(deps.db, id);
  if (html === undefined) throw new NotFoundError('No email has this id.');
  return html;
}
