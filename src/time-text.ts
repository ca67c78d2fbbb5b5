/** "2026-05-01 14:03 UTC": the one unambiguous form in which the console and its messages show a time. */
export function utcMinute(date: Date | string): string {
  return `${new Date(date).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
