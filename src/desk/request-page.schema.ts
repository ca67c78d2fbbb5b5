import { z } from 'zod';
import { DECISION_TYPES, decisionRequestSchema } from '../decisions/decisions.schema.ts';
import { AppError } from '../errors.ts';
import { isPlainText } from '../identifiers/plain-text.ts';

// A form's empty field means "not given", not "given empty".
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/**
 * The decision forms of the request page, as posted (urlencoded strings). The decision itself is
 * checked by decide() with decisionSchema; this only shapes the form into that body.
 */
export const decisionFormSchema = z.object({
  type: z.enum(DECISION_TYPES),
  mode: optionalText,
  to: optionalText,
  amount: optionalText,
  message: optionalText,
  reason: optionalText,
  /** The macro picked for a question or rejection: recorded, and its text used when none is typed. */
  macro: optionalText,
  idempotency_key: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'The form is incomplete: reload the page.'),
});
export type DecisionForm = z.infer<typeof decisionFormSchema>;

export function parseDecisionForm(input: unknown): DecisionForm {
  const parsed = decisionFormSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new AppError('validation_failed', 422, 'This form is incomplete or out of date: reload the page.');
}

/** What each field of the decision forms is called in a sentence. */
const FIELD_WORDS: Record<string, string> = {
  message: 'The message',
  to: 'The address',
  reason: 'The reason',
  amount: 'The amount',
  mode: 'The kind of reissue',
  macro: 'The macro',
};

/**
 * The form as the API's decision body (decisionRequestSchema): only the fields its type takes. A body
 * the schema refuses is refused here in the console's words ("The message must not be empty."),
 * not the API's ("The body is not valid. message: …").
 */
export function decisionBody(form: DecisionForm): Record<string, unknown> {
  const body = bodyOf(form);
  const parsed = decisionRequestSchema.safeParse(body);
  if (parsed.success) return body;
  const sentences = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    const what =
      issue.code === 'invalid_format'
        ? 'is not an email address'
        : issue.code === 'invalid_value'
          ? 'is not one of the choices'
          : issue.code === 'invalid_type' || issue.code === 'custom'
            ? field === 'reason'
              ? 'must be chosen'
              : 'must not be empty'
            : issue.message;
    return `${FIELD_WORDS[field] ?? 'The form'} ${what}.`;
  });
  throw new AppError('validation_failed', 422, [...new Set(sentences)].join(' '));
}

function bodyOf(form: DecisionForm): Record<string, unknown> {
  switch (form.type) {
    case 'reissue':
      return { type: 'reissue', mode: form.mode, ...(form.to ? { to: form.to.trim() } : {}) };
    case 'refund':
      return { type: 'refund', amount: form.amount?.trim() };
    case 'request_info':
      return { type: 'request_info', message: form.message, ...macroOf(form) };
    case 'reject':
      return {
        type: 'reject',
        ...(form.reason ? { reason: form.reason } : {}),
        ...(form.message ? { message: form.message } : {}),
        ...macroOf(form),
      };
  }
}

// The form posts the macro's id as text; anything but digits goes on as typed, for the schema to refuse.
function macroOf(form: DecisionForm): { macro?: number | string } {
  if (form.macro === undefined) return {};
  return { macro: /^\d{1,9}$/.test(form.macro) ? Number(form.macro) : form.macro };
}

export const claimFormSchema = z.object({ takeover: z.literal('true').optional() });

/** The note form's text, as typed; the notes service holds the rules (length, not empty). */
export const noteFormSchema = z.object({ text: z.string().optional() });

export const approvalFormSchema = z.object({
  note: optionalText.refine((v) => v === undefined || isPlainText(v), {
    error: 'The note must not contain control characters (tabs and line breaks are fine).',
  }),
});

/** An id in a path: digits only, or nothing has it. */
export function pathId(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new AppError('not_found', 404, `No ${what} has this id.`);
  return Number(value);
}

/** What the request page's script reports: typing now, or that the page was closed. */
export const presenceFormSchema = z.object({
  typing: z.enum(['true', 'false']).default('false'),
  leave: z.enum(['true', 'false']).default('false'),
});

/** The request page's "Assign to" form (supervisors). */
export const assignFormSchema = z.object({ to: z.string().max(254) });
