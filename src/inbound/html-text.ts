/**
 * The text of an HTML-only reply, its quoted history cut off first: HTML clients mark where the
 * quote begins (Gmail's `gmail_quote`, Outlook's `divRplyFwdMsg` and the rule before it,
 * Thunderbird's `moz-cite-prefix`, Apple Mail's `<blockquote type="cite">`), which is surer than
 * finding the quote header in the text afterwards (that still runs, on the text this returns).
 */
const QUOTE_STARTS = [
  /<div[^>]*class="?[^">]*gmail_quote/i,
  /<div[^>]*id="?appendonsend/i,
  /<hr[^>]*>\s*<div[^>]*id="?divRplyFwdMsg/i,
  /<div[^>]*id="?divRplyFwdMsg/i,
  /<div[^>]*class="?moz-cite-prefix/i,
  /<blockquote[^>]*type="?cite/i,
];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function htmlReplyText(html: string): { text: string; quoteCut: boolean } {
  const starts = QUOTE_STARTS.map((re) => re.exec(html)?.index).filter((i): i is number => i !== undefined);
  const cutAt = starts.length > 0 ? Math.min(...starts) : html.length;
  const text = html
    .slice(0, cutAt)
    .replace(/<(style|script|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(div|p|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => entity(name) ?? whole)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { text, quoteCut: cutAt < html.length };
}

function entity(name: string): string | undefined {
  if (name.startsWith('#x') || name.startsWith('#X'))
    return String.fromCodePoint(parseInt(name.slice(2), 16));
  if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
  return ENTITIES[name.toLowerCase()];
}
