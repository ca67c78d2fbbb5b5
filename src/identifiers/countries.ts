/** ISO 3166-1 alpha-2 countries, from the runtime's own region data (full ICU in Node). */

// Codes ICU names that are not ISO 3166-1 countries (regions, unions, pseudo-locales, retired codes).
const NOT_COUNTRIES = new Set(
  'AC AN BU CP CQ CS DD DG EA EU EZ FX IC NT QO SU TA TP UK UN XA XB YD YU ZR ZZ'.split(' '),
);

function allCodes(): string[] {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  const codes: string[] = [];
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (!NOT_COUNTRIES.has(code) && names.of(code) !== code) codes.push(code);
    }
  }
  return codes;
}

const CODES = new Set(allCodes());

/** `gb`, ` GB `, and the everyday `UK` all read as `GB`; null when not a country. */
export function normaliseCountry(input: string): string | null {
  const code = input.trim().toUpperCase();
  const canonical = code === 'UK' ? 'GB' : code;
  return CODES.has(canonical) ? canonical : null;
}

/** Countries for a select list, named and sorted in the reader's language. */
export function countryOptions(locale: string): { code: string; name: string }[] {
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  return [...CODES]
    .map((code) => ({ code, name: names.of(code) ?? code }))
    .sort((a, b) => a.name.localeCompare(b.name, locale));
}
