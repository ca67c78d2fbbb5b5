import { requireDeskWorker } from '../auth/roles.ts';
import type { User } from '../auth/user.ts';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import type { Locale } from '../i18n/i18n.ts';
import { recordedCopy } from '../mail/email-render.ts';
import { requesterEmailPreview } from '../requests/customer-email.ts';
import { normaliseReference } from '../requests/reference.ts';
import { readTicket } from '../requests/status.repository.ts';
import type { RenderedEmail, Templates } from '../templates.ts';
import { ticketLocale } from './decision-context.ts';
import { decisionRequestSchema, parseOrThrow } from './decisions.schema.ts';
import { canStartIn } from './decisions.service.ts';
import { withMacro } from './macros.service.ts';
import { decisionEmail } from './outcomes.ts';

/** The email a decision would send, as its recipient would read it (the status link without its token). */
export interface DecisionEmailPreview extends RenderedEmail {
  to: string;
  locale: Locale;
}

/**
 * The email a question or a rejection would send, rendered now from the same facts and templates
 * the email job uses (the row queueEmailToRequester would write, rendered by `recordedCopy`), with
 * nothing written: no email, no status token, no history. The body is checked as decide() checks
 * it (macro included), so a preview that renders is a decision that can be sent.
 */
export async function previewDecisionEmail(
  deps: { db: Queryable; config: Pick<Config, 'publicUrl' | 'secretKey' | 'inbound'>; templates: Templates },
  actor: User,
  referenceInput: string,
  input: unknown,
): Promise<DecisionEmailPreview> {
  requireDeskWorker(actor);
  const request = parseOrThrow(decisionRequestSchema, input);
  if (request.type !== 'request_info' && request.type !== 'reject')
    throw new AppError('validation_failed', 422, 'Only a question or a rejection has an email to preview.');
  const reference = normaliseReference(referenceInput);
  const ticket = reference ? await readTicket(deps.db, reference) : undefined;
  if (!ticket) throw new NotFoundError('No request has this reference.');
  if (!canStartIn(request.type, ticket.status))
    throw new ConflictError(
      `${ticket.reference} is ${ticket.status}: no ${request.type} decision can be sent now.`,
    );
  const { decision } = await withMacro(deps.db, request, ticketLocale(ticket), ticket);
  // withMacro keeps the type it was given.
  if (decision.type === 'reissue' || decision.type === 'refund') throw new Error('the decision changed type');
  const email = decisionEmail(deps.config, ticket, decision);
  const row = requesterEmailPreview(deps.config, ticket, email);
  const copy = recordedCopy(deps.templates, { ...row, subject: null, html: null, text: null });
  return { ...copy, to: email.to, locale: email.locale };
}
