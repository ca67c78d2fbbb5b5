import type { Readable } from 'node:stream';
import type { Db } from '../db/db.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { fileCipherOf, openAttachmentContent } from '../requests/attachment-store.ts';
import type { Config } from '../config.ts';
import { normaliseReference } from '../requests/reference.ts';
import { getTicket, type Ticket } from '../tickets/tickets.service.ts';
import { recordedCopy } from '../mail/email-render.ts';
import { isLocale } from '../i18n/i18n.ts';
import { macroChoices, macroText, usableMacro, type MacroChoice } from '../decisions/macros.service.ts';
import type { MacroDecision } from '../decisions/macros.schema.ts';
import type { Templates } from '../templates.ts';
import {
  waitingReplacementOf,
  type WaitingReplacement,
} from '../integrations/licence-authority.repository.ts';
import { RELATED_SHOWN } from './customer-history.ts';
import {
  findAttachment,
  findEmailCopy,
  findFollowUpLinks,
  findMatchedPurchase,
  listDeskAttachments,
  listDeskEmails,
  listRelatedRequests,
  type DeskAttachmentRow,
  type DeskEmailRow,
  type DeskPurchaseRow,
  type RelatedRequestRow,
} from './request-page.repository.ts';

/** Everything the request page shows: the ticket of the API, plus ids, masked email text and the purchase now. */
export interface RequestPageData {
  ticket: Ticket;
  emails: DeskEmail[];
  attachments: DeskAttachmentRow[];
  purchase: DeskPurchaseRow | undefined;
  /** The requester's other requests (same mailbox or same licence), newest first. */
  related: RelatedRequestRow[];
  /** The macros in use for each decision, their texts in the customer's language. */
  macros: Record<MacroDecision, MacroChoice[]>;
  /** The closed request this one follows up (an email reply to it), and this one's follow-ups. */
  followUps: { of: string | null; by: string[] };
  /** The new code asked of the licensing system, while the request waits for it. */
  authorityWait: WaitingReplacement | undefined;
}

/** An email as the page lists it: its masked copy, recorded or (still waiting) rendered from its facts. */
export type DeskEmail = Omit<DeskEmailRow, 'subject' | 'text' | 'facts'> & { subject: string; text: string };

export async function loadRequestPage(
  deps: { db: Db; templates: Templates },
  referenceInput: string,
): Promise<RequestPageData> {
  const ticket = await getTicket(deps, referenceInput);
  const { locale, name } = ticket.request;
  const [emails, attachments, purchase, related, macros, followUps, authorityWait] = await Promise.all([
    listDeskEmails(deps.db, ticket.reference),
    listDeskAttachments(deps.db, ticket.reference),
    findMatchedPurchase(deps.db, ticket.reference),
    listRelatedRequests(deps.db, ticket.reference, RELATED_SHOWN),
    macroChoices(deps.db, isLocale(locale) ? locale : 'en', { name, reference: ticket.reference }),
    findFollowUpLinks(deps.db, ticket.reference),
    waitingReplacementOf(deps.db, ticket.reference),
  ]);
  return {
    ticket,
    emails: emails.map(({ facts, subject, text, ...row }) => {
      if (subject !== null && text !== null) return { ...row, subject, text };
      const copy = recordedCopy(deps.templates, { ...row, facts, subject, text, html: null });
      return { ...row, subject: copy.subject, text: copy.text };
    }),
    attachments,
    purchase,
    related,
    macros,
    followUps,
    authorityWait,
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

/** The masked HTML copy of an email, as recorded (or as the email job will record it). */
export async function emailHtml(deps: { db: Db; templates: Templates }, id: number): Promise<string> {
  const row = await findEmailCopy(deps.db, id);
  if (row === undefined) throw new NotFoundError('No email has this id.');
  return recordedCopy(deps.templates, row).html;
}

/**
 * The decision form's fields filled from the picked macro (its text in the customer's language,
 * its reason): the "Use" button's answer when no script fills them in the browser.
 */
export async function macroFormValues(
  deps: { db: Db; templates: Templates },
  referenceInput: string,
  form: { type: string; macro?: string },
): Promise<{ message: string; reason?: string }> {
  const ticket = await getTicket(deps, referenceInput);
  const id = form.macro !== undefined && /^\d{1,9}$/.test(form.macro) ? Number(form.macro) : undefined;
  if (id === undefined) throw new AppError('validation_failed', 422, 'Choose a macro to use.');
  const macro = await usableMacro(deps.db, id, form.type);
  const { locale, name } = ticket.request;
  const message = macroText(macro, isLocale(locale) ? locale : 'en', { name, reference: ticket.reference });
  return { message, ...(macro.reason ? { reason: macro.reason } : {}) };
}
