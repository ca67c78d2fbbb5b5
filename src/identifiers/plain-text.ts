import { z } from 'zod';

/**
 * What text a person typed may hold (README "Security", bounded resources): never NUL, the other C0
 * controls, DEL or the C1 controls. PostgreSQL cannot store NUL at all (the insert fails, a 500),
 * and the others end up in emails, logs and pages where they only ever do harm. Free text (details,
 * messages, notes) keeps its tabs and line breaks; a one-line field keeps neither.
 */
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_IN_FREE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** True when `value` is fit for a one-line field (a name, an address, a label, a search). */
export function isPlainLine(value: string): boolean {
  return !CONTROL_IN_LINE.test(value);
}

/** True when `value` is fit for free text: controls refused, tabs and line breaks (LF, CRLF) kept. */
export function isPlainText(value: string): boolean {
  return !CONTROL_IN_FREE_TEXT.test(unifyLineBreaks(value));
}

/** A browser posts a textarea's line breaks as CRLF: they are line breaks, not control characters. */
export function unifyLineBreaks(value: string): string {
  return value.replace(/\r\n?/g, '\n');
}

/**
 * A string schema for a one-line field that refuses control characters with `error` (a message
 * key on customer forms, a sentence in the console and the API). Chain trim/max after it.
 */
export function lineText(error: string, invalidType: string = error): z.ZodString {
  return z.string({ error: invalidType }).refine(isPlainLine, { error });
}

/** A string schema for free text: line breaks unified to LF, other control characters refused. */
export function freeText(error: string, invalidType: string = error): z.ZodString {
  return z.string({ error: invalidType }).overwrite(unifyLineBreaks).refine(isPlainText, { error });
}
