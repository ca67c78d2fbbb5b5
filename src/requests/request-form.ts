import { countryOptions } from '../identifiers/countries.ts';
import { isMessageKey, LOCALES, translate, type Locale } from '../i18n/i18n.ts';
import { CHANNELS, DESIRED_OUTCOMES, REASONS } from './requests.schema.ts';
import { type FieldErrors } from '../errors.ts';

const FIELD_ORDER = [
  'email',
  'name',
  'license_number',
  'license_key',
  'order_number',
  'channel',
  'store',
  'country',
  'purchased_on',
  'reason',
  'desired_outcome',
  'details',
  'attachment',
  'locale',
];

/** Field messages in the reader's language, for the form and for the API's `fields`. */
export function fieldMessages(locale: Locale, errors: FieldErrors): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const [field, error] of Object.entries(errors))
    messages[field] = translate(locale, error.key, error.params);
  return messages;
}

function options(values: readonly string[], prefix: string, selected: unknown, locale: Locale) {
  return values.map((value) => {
    const key = `${prefix}.${value}`;
    return { value, label: isMessageKey(key) ? translate(locale, key) : value, selected: value === selected };
  });
}

/**
 * Everything the form page shows: the customer's own text (never lost on a re-render),
 * a message beside each field with a problem, and a summary linking to each.
 */
export function requestFormView(locale: Locale, input: Record<string, unknown>, errors: FieldErrors = {}) {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) if (typeof value === 'string') values[key] = value;
  const messages = fieldMessages(locale, errors);
  const errorList = FIELD_ORDER.filter((f) => messages[f]).map((field) => ({
    field,
    label: isMessageKey(`field.${field}`) ? translate(locale, `field.${field}` as 'field.email') : field,
    message: messages[field],
  }));
  const selectedCountry = (values.country ?? '').trim().toUpperCase();
  return {
    locale,
    title: translate(locale, 'form.title'),
    values,
    errors: messages,
    errorList,
    hasErrors: errorList.length > 0,
    channels: options(CHANNELS, 'field.channel', values.channel, locale),
    reasons: options(REASONS, 'field.reason', values.reason, locale),
    outcomes: options(DESIRED_OUTCOMES, 'field.desired_outcome', values.desired_outcome, locale),
    countries: countryOptions(locale).map((c) => ({ ...c, selected: c.code === selectedCountry })),
    locales: LOCALES.map((l) => ({
      value: l,
      label: new Intl.DisplayNames([l], { type: 'language' }).of(l) ?? l,
      selected: l === (values.locale || locale),
    })),
  };
}
