import { z } from 'zod';
import { BULK_ACTIONS, BULK_MAX, type BulkActionType } from '../decisions/bulk.schema.ts';
import type { BulkResult } from '../decisions/bulk.service.ts';
import { REJECT_REASONS } from '../decisions/decisions.schema.ts';
import { AppError } from '../errors.ts';
import type { User } from '../auth/user.ts';
import { REJECT_REASON_TEXT } from './request-page.history.ts';

const text = z.string().max(5000).optional();

/**
 * The queue page's bulk form, as posted (urlencoded): the ticked rows (`ref`, once per row), the
 * action and what it needs, a key drawn when the page was drawn, and the queue's query to go back to.
 */
const bulkFormSchema = z.object({
  ref: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : [v].flat())),
  action: z.string().optional(),
  to: text,
  reason: text,
  message: text,
  idempotency_key: z.string().regex(/^[\x21-\x7e]{1,200}$/),
  back: z.string().max(2000).optional(),
});
export type BulkForm = z.infer<typeof bulkFormSchema>;

/** The form, or a sentence for a form this page did not draw (reload it). */
export function parseBulkForm(input: unknown): BulkForm {
  const parsed = bulkFormSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new AppError('validation_failed', 422, 'This form is incomplete or out of date: reload the page.');
}

/**
 * The body bulkAct takes, once the form is complete; what the technician still has to choose is
 * answered here in the console's words (bulkAct's own checks name JSON fields).
 */
export function bulkInputOf(form: BulkForm): { references: string[]; action: Record<string, string> } {
  const refuse = (message: string) => {
    throw new AppError('validation_failed', 422, message);
  };
  if (form.ref.length === 0) refuse('Tick at least one request first.');
  if (form.ref.length > BULK_MAX)
    refuse(`Tick at most ${BULK_MAX} requests at once: act on this many, then on the rest.`);
  const action = form.action as BulkActionType;
  if (!BULK_ACTIONS.includes(action)) refuse('Choose what to do with the ticked requests.');
  const references = form.ref;
  switch (action) {
    case 'assign':
      if (!form.to) refuse('Choose whom to assign the ticked requests to.');
      return { references, action: { type: action, to: form.to! } };
    case 'release':
      return { references, action: { type: action } };
    case 'reject': {
      if (!(REJECT_REASONS as readonly string[]).includes(form.reason ?? ''))
        refuse('Choose a reason for rejecting: the customers are told it.');
      const message = form.message?.trim();
      return { references, action: { type: action, reason: form.reason!, ...(message ? { message } : {}) } };
    }
  }
}

const DONE_WORDS: Record<BulkActionType, (n: number, to?: string) => string> = {
  assign: (n, to) => `Assigned ${requests(n)} to ${to}; they are notified.`,
  release: (n) => `Released ${requests(n)}: back in the queue for anyone.`,
  reject: (n) => `Rejected ${requests(n)}; each customer is emailed.`,
};

/** The notice after a bulk action: what was done, and each refused request with its rule. */
export function bulkSummary(
  action: BulkActionType,
  results: readonly BulkResult[],
  to?: string,
): { message: string; details: string[] } {
  const done = results.filter((r) => r.outcome === 'done').length;
  const refused = results.filter((r) => r.outcome === 'refused');
  const message =
    (done > 0 ? DONE_WORDS[action](done, to) : 'Nothing was done.') +
    (refused.length > 0 ? ` ${requests(refused.length)} refused:` : '');
  return { message, details: refused.map((r) => `${r.reference}: ${r.message}`) };
}

/** The bulk panel's choices: assignment is offered to supervisors only (bulkAct refuses others). */
export function bulkPanelView(
  supervisor: boolean,
  assignable: readonly Pick<User, 'email' | 'role'>[],
  kept?: { error?: string; form?: Partial<BulkForm> },
) {
  const form = kept?.form ?? {};
  return {
    error: kept?.error,
    message: form.message,
    actions: BULK_ACTIONS.filter((a) => a !== 'assign' || supervisor).map((value) => ({
      value,
      label: ACTION_WORDS[value],
      selected: form.action === value,
    })),
    assignable: supervisor
      ? assignable.map((u) => ({ email: u.email, role: u.role, selected: form.to === u.email }))
      : [],
    reasons: REJECT_REASONS.map((value) => ({
      value,
      label: REJECT_REASON_TEXT[value],
      selected: form.reason === value,
    })),
  };
}

const ACTION_WORDS: Record<BulkActionType, string> = {
  assign: 'Assign to…',
  release: 'Release',
  reject: 'Reject',
};

function requests(n: number): string {
  return n === 1 ? '1 request' : `${n} requests`;
}
