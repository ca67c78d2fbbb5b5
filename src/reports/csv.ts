/**
 * A table as CSV (RFC 4180): a header row, then the rows; CRLF line ends; a field with a comma, a
 * quote or a line break is quoted, its quotes doubled. A text field starting with = + - @ (or a
 * tab or carriage return) gets a leading apostrophe, so that a spreadsheet never runs a person's
 * name or any other text as a formula (OWASP "CSV injection"). Numbers are written as they are:
 * a negative number is a number, not a formula.
 */
export function toCsv(columns: string[], rows: (string | number)[][]): string {
  return [columns, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
