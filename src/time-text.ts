/** "2026-05-01 14:03 UTC": the one unambiguous form in which the console and its messages show a time. */
export function utcMinute(date: Date | string): string {
  return `${new Date(date).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "3 hours ago", "in 2 days", "just now": a time as a person says it, relative to `now`. */
export function timeInWords(date: Date | string, now = Date.now()): string {
  const seconds = Math.round((new Date(date).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    // Round to the unit once at least 90 % of it has passed ("59 minutes" reads "1 hour").
    if (Math.abs(seconds) >= size * 0.9) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds / 60), 'minute');
}

/**
 * A time on a console page: in words, with the exact UTC minute on hover (`title`) and in
 * `datetime` for machines. Handlebars prints it as that `<time>` element (`toHTML`); in a sentence
 * (`${…}`) it is the exact time.
 */
export class TimeText {
  readonly iso: string;
  readonly exact: string;
  readonly words: string;

  constructor(date: Date | string, now = Date.now()) {
    this.iso = new Date(date).toISOString();
    this.exact = utcMinute(date);
    this.words = timeInWords(date, now);
  }

  toString(): string {
    return this.exact;
  }

  toHTML(): string {
    // All three are made of digits, letters, spaces and ISO punctuation: nothing to escape.
    return `<time datetime="${this.iso}" title="${this.exact}">${this.words}</time>`;
  }

  toJSON(): string {
    return this.iso;
  }
}

/** A console time (see TimeText); '' for a time that is not there. */
export function consoleTime(date: Date | string | null | undefined, now = Date.now()): TimeText | '' {
  return date ? new TimeText(date, now) : '';
}

/** What a view holds for a time: a TimeText, or a word ('never', '') where there is none. */
export type ShownTime = TimeText | string;
