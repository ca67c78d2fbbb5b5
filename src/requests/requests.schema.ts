import { z } from 'zod';
import type { FieldErrors } from '../errors.ts';
import { isMessageKey, LOCALES, type Locale, type MessageKey } from '../i18n/i18n.ts';
import { normaliseCountry } from '../identifiers/countries.ts';
import { freeText, lineText } from '../identifiers/plain-text.ts';
import {
  maskActivationCodes,
  normaliseLicenseKey,
  normaliseLicenseNumber,
  normaliseOrderNumber,
} from '../identifiers/identifiers.ts';

export const CHANNELS = ['estore', 'partner', 'retail_box'] as const;
export const REASONS = ['lost', 'removed', 'expired_early'] as const;
export const DESIRED_OUTCOMES = ['recover_code', 'refund'] as const;
export const EARLIEST_PURCHASE = '2000-01-01';
export const MAX_DETAILS = 5000;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const line = (max: number) =>
  lineText('error.text_format', 'error.invalid').trim().max(max, { error: 'error.too_long' });

/**
 * The name goes into a vendor-branded email to whatever address was typed (README "Security",
 * customer text in our emails): a web address or an `@` in it would turn our acknowledgement into
 * someone's phishing mail. Mail clients link bare domains (`evil.com/x`), so any dotted token whose
 * last part is two letters or more counts, with the full-width and ideographic dots too.
 */
const ADDRESS_IN_NAME = /https?:|www\.|[@\uff20\ufe6b]|[\p{L}\p{N}-][.\u3002\uff0e\uff61]\p{L}{2,}/iu;
const personName = line(200).refine((v) => !ADDRESS_IN_NAME.test(v), { error: 'error.name_format' });
const required = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    blankToUndefined,
    z
      .any()
      .refine((v) => v !== undefined, 'error.required')
      .pipe(schema),
  );
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());
const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: 'error.choice' });

/** A canonical identifier, or the format's message. */
const identifier = (normalise: (s: string) => string | null, message: MessageKey) =>
  z.string({ error: 'error.invalid' }).transform((value, ctx) => {
    const canonical = normalise(value);
    if (canonical === null) ctx.addIssue({ code: 'custom', message });
    return canonical ?? '';
  });

function purchaseDate(today: string) {
  return z
    .string({ error: 'error.invalid' })
    .trim()
    .refine(isCalendarDate, 'error.date_format')
    .refine((d) => d >= EARLIEST_PURCHASE, 'error.date_too_early')
    .refine((d) => d <= today, 'error.date_future');
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** An email address field: required, one line of at most 254 characters, a valid address. */
export const emailAddressField = required(line(254).pipe(z.email({ error: 'error.email_format' })));
/** An optional locale field: en, de or ru. */
export const localeField = optional(choice(LOCALES));

function schema(today: string) {
  return z.object({
    email: emailAddressField,
    name: required(personName),
    license_number: optional(identifier(normaliseLicenseNumber, 'error.license_number_format')),
    license_key: optional(identifier(normaliseLicenseKey, 'error.license_key_format')),
    order_number: optional(identifier(normaliseOrderNumber, 'error.order_number_format')),
    channel: required(choice(CHANNELS)),
    store: required(line(200)),
    country: required(identifier(normaliseCountry, 'error.country_unknown')),
    purchased_on: required(purchaseDate(today)),
    reason: required(choice(REASONS)),
    desired_outcome: required(choice(DESIRED_OUTCOMES)),
    details: optional(
      freeText('error.control_characters', 'error.invalid')
        .trim()
        .max(MAX_DETAILS, { error: 'error.too_long' }),
    ),
    locale: localeField,
  });
}

// Building the schema costs more than using it: one is kept for the day it was built for.
let cached: { today: string; schema: ReturnType<typeof schema> } | undefined;
function schemaFor(today: string) {
  if (cached?.today !== today) cached = { today, schema: schema(today) };
  return cached.schema;
}

export interface NewRecoveryRequest {
  email: string;
  name: string;
  licenseNumber: string | null;
  licenseKey: string | null;
  orderNumber: string | null;
  channel: (typeof CHANNELS)[number];
  store: string;
  country: string;
  purchasedOn: string;
  reason: (typeof REASONS)[number];
  desiredOutcome: (typeof DESIRED_OUTCOMES)[number];
  details: string | null;
  locale: Locale | null;
  /** The identifiers as the customer typed them, for the technician. */
  typed: Record<string, string>;
}

export type ParseResult = { ok: true; value: NewRecoveryRequest } | { ok: false; errors: FieldErrors };

const TYPED_FIELDS = ['license_number', 'license_key', 'order_number', 'country', 'email'] as const;

/**
 * Validates and normalises a recovery request from the form or the API. `today` is the latest date a
 * purchase may carry: the caller passes the calendar date of the zone furthest ahead
 * of UTC, so a customer who bought today anywhere is never told the date is in the future.
 */
export function parseRecoveryRequest(input: unknown, today: string): ParseResult {
  const result = schemaFor(today).safeParse(input);
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const errors = { ...crossFieldErrors(raw), ...(result.success ? {} : toFieldErrors(result.error)) };
  if (!result.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const v = result.data;
  const typed: Record<string, string> = {};
  for (const field of TYPED_FIELDS) {
    if (typeof raw[field] === 'string' && raw[field] !== '') typed[field] = raw[field];
  }
  return {
    ok: true,
    value: {
      email: v.email,
      name: v.name,
      licenseNumber: v.license_number || null,
      licenseKey: v.license_key || null,
      orderNumber: v.order_number || null,
      channel: v.channel,
      store: v.store,
      country: v.country,
      purchasedOn: v.purchased_on,
      reason: v.reason,
      desiredOutcome: v.desired_outcome,
      details: v.details ? maskActivationCodes(v.details) : null,
      locale: v.locale ?? null,
      typed,
    },
  };
}

/** Rules across fields, read from the raw input so they are reported beside every other problem. */
function crossFieldErrors(raw: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  if (blankToUndefined(raw.license_number) === undefined && blankToUndefined(raw.license_key) === undefined) {
    errors.license_number = { key: 'error.license_required' };
  }
  if (raw.channel === 'estore' && blankToUndefined(raw.order_number) === undefined) {
    errors.order_number = { key: 'error.order_number_required' };
  }
  return errors;
}

/** The first problem of each field, as a message key. */
export function toFieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'body');
    if (errors[field]) continue;
    const key = isMessageKey(issue.message) ? issue.message : 'error.invalid';
    const max = issue.code === 'too_big' ? Number(issue.maximum) : undefined;
    errors[field] = max === undefined ? { key } : { key, params: { max } };
  }
  return errors;
}
