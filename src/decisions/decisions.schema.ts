import { z } from 'zod';
import { AppError } from '../errors.ts';
import { freeText } from '../identifiers/plain-text.ts';

/** What a technician may decide on a request; each has a body in decisionSchema below. */
export const DECISION_TYPES = ['reissue', 'refund', 'request_info', 'reject'] as const;
export type DecisionType = (typeof DECISION_TYPES)[number];

/** A reissue sends the licence's code as it is, or a new one that replaces it. */
export const REISSUE_MODES = ['resend', 'replace'] as const;
export type ReissueMode = (typeof REISSUE_MODES)[number];

/** Why a request is closed without a code; two of them send an email of their own. */
export const REJECT_REASONS = [
  'no_purchase_found',
  'trial_license',
  'license_expired',
  'bought_from_partner',
  'suspected_fraud',
  'duplicate',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

const message = freeText('must not contain control characters (tabs and line breaks are fine)')
  .trim()
  .min(1, 'must not be empty')
  .max(5000, 'must be at most 5000 characters');

const reissueBody = z.object({
  type: z.literal('reissue'),
  mode: z.enum(REISSUE_MODES),
  // Any address but the purchaser's of record needs a supervisor's approval.
  to: z.email().max(254).optional(),
});
const refundBody = z.object({
  type: z.literal('refund'),
  amount: z.string().regex(/^\d{1,10}(\.\d{1,2})?$/, 'must be an amount such as "49.00"'),
});

/** The decision bodies of `POST /api/v1/tickets/:reference/decisions` (README, Decisions). */
export const decisionSchema = z.discriminatedUnion('type', [
  reissueBody,
  refundBody,
  z.object({ type: z.literal('request_info'), message }),
  z.object({ type: z.literal('reject'), reason: z.enum(REJECT_REASONS), message: message.optional() }),
]);
export type Decision = z.infer<typeof decisionSchema>;

/** A macro's id in a decision body (README, Decisions): its text and, for a reject, its reason. */
const macroId = z
  .number({ error: 'must be the id of a macro (a number)' })
  .int()
  .positive()
  .max(2 ** 31 - 1);

/**
 * A decision as posted: decisionSchema's bodies, where request_info and reject may name a macro
 * instead of (or beside) the message and reason. decide() turns it into a Decision with the
 * macro's text in the request's locale (macros.service.ts `withMacro`); a message given beside a
 * macro is the text sent (the console's edited macro text), the macro is recorded as its source.
 */
export const decisionRequestSchema = z.discriminatedUnion('type', [
  reissueBody,
  refundBody,
  z
    .object({ type: z.literal('request_info'), message: message.optional(), macro: macroId.optional() })
    .refine((b) => b.message !== undefined || b.macro !== undefined, {
      error: 'give the message, or a macro to take it from',
      path: ['message'],
    }),
  z
    .object({
      type: z.literal('reject'),
      reason: z.enum(REJECT_REASONS).optional(),
      message: message.optional(),
      macro: macroId.optional(),
    })
    .refine((b) => b.reason !== undefined || b.macro !== undefined, {
      error: 'give the reason, or a macro to take it from',
      path: ['reason'],
    }),
]);
export type DecisionRequest = z.infer<typeof decisionRequestSchema>;
/** The decision of one type: `DecisionOf<'reject'>` is a reject body. */
export type DecisionOf<T extends DecisionType> = Extract<Decision, { type: T }>;

export const claimSchema = z.object({ takeover: z.boolean().optional() }).strict();

/** `POST /api/v1/tickets/:reference/assign`: the address of the desk user to give it to. */
export const assignSchema = z.object({ to: z.email().max(254) }).strict();

export const approvalVerdictSchema = z.object({
  note: freeText('must not contain control characters (tabs and line breaks are fine)')
    .trim()
    .max(2000)
    .optional(),
});

/**
 * Parses input with a schema, or throws a 422 naming each bad field in its message (the shared
 * error handler passes on code and message only).
 */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  throw new AppError('validation_failed', 422, `The body is not valid. ${problems.join('; ')}.`);
}

/** An Idempotency-Key as sent: 1–200 visible ASCII characters. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(value))
    throw new AppError(
      'validation_failed',
      422,
      'Idempotency-Key must be 1 to 200 visible ASCII characters.',
    );
  return value;
}
