import { z } from 'zod';
import { AppError } from '../errors.ts';
import { LOCALES, type Locale } from '../i18n/i18n.ts';
import { freeText, lineText } from '../identifiers/plain-text.ts';
import { MESSAGE_PLACEHOLDERS, unknownPlaceholders } from '../mail/message-placeholders.ts';
import { REJECT_REASONS, type DecisionType, type RejectReason } from './decisions.schema.ts';

/** The decisions a macro can fill: the two that carry a technician's text to the customer. */
export const MACRO_DECISIONS = ['request_info', 'reject'] as const satisfies readonly DecisionType[];
export type MacroDecision = (typeof MACRO_DECISIONS)[number];

/** What a macro fills: a question, or a rejection with its reason. */
export type MacroFills =
  { decision: 'request_info'; reason: null } | { decision: 'reject'; reason: RejectReason };

/** A macro's texts, one per locale; every locale is required. */
export type MacroTexts = Record<Locale, string>;

/** The longest macro text: room is left for the name and reference within a message's 5,000. */
export const MACRO_TEXT_MAX = 4000;

/** The admin form's choice of what a macro fills, as one value: `request_info` or `reject:<reason>`. */
export const FILLS_CHOICES = ['request_info', ...REJECT_REASONS.map((r) => `reject:${r}` as const)] as const;

const LANGUAGE: Record<Locale, string> = { en: 'English', de: 'German', ru: 'Russian' };
const ALLOWED = MESSAGE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ');

function localeText(locale: Locale) {
  const what = `The ${LANGUAGE[locale]} text`;
  return freeText(
    `${what} must not contain control characters (tabs and line breaks are fine).`,
    `${what} is required.`,
  )
    .trim()
    .min(1, `${what} is required: the customer gets the macro in their language.`)
    .max(MACRO_TEXT_MAX, `${what} must be at most ${MACRO_TEXT_MAX} characters.`)
    .superRefine((text, ctx) => {
      const unknown = [...new Set(unknownPlaceholders(text))];
      if (unknown.length)
        ctx.addIssue({
          code: 'custom',
          message: `${what} has ${unknown.length === 1 ? 'an unknown placeholder' : 'unknown placeholders'} ${unknown.join(' ')}: the placeholders are ${ALLOWED}.`,
        });
    });
}

/** The admin's macro form (urlencoded): name, what it fills, and `text_<locale>` for each locale. */
export const macroFormSchema = z
  .object({
    name: lineText('The name must be one line of text.', 'The name is required.')
      .trim()
      .min(1, 'The name is required.')
      .max(80, 'The name must be at most 80 characters.'),
    fills: z.enum(FILLS_CHOICES, { error: 'Choose the decision the macro fills.' }),
    ...(Object.fromEntries(LOCALES.map((l) => [`text_${l}`, localeText(l)])) as Record<
      `text_${Locale}`,
      ReturnType<typeof localeText>
    >),
  })
  .transform((form) => ({
    name: form.name,
    fills: fillsOf(form.fills),
    texts: Object.fromEntries(LOCALES.map((l) => [l, form[`text_${l}`]])) as MacroTexts,
  }));
export type MacroInput = z.output<typeof macroFormSchema>;

function fillsOf(choice: (typeof FILLS_CHOICES)[number]): MacroFills {
  if (choice === 'request_info') return { decision: 'request_info', reason: null };
  return { decision: 'reject', reason: choice.slice('reject:'.length) as RejectReason };
}

/** The form value of what a macro fills (the inverse of the form's `fills`). */
export function fillsChoice(fills: { decision: string; reason: string | null }): string {
  return fills.decision === 'reject' ? `reject:${fills.reason ?? ''}` : fills.decision;
}

/** The admin's macro form with field-by-field problems, each a sentence (the console is English). */
export class InvalidMacroError extends AppError {
  constructor(readonly fields: Record<string, string>) {
    super('validation_failed', 422, 'Some fields are missing or not valid.');
  }
}

/** Parses the macro form, or throws InvalidMacroError naming each bad field. */
export function parseMacroForm(body: unknown): MacroInput {
  const result = macroFormSchema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[String(issue.path[0] ?? 'form')] ??= issue.message;
  throw new InvalidMacroError(fields);
}
