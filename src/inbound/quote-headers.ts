/**
 * Where quoted history begins in replies whose clients email-reply-parser (2.3) does not know in
 * every language. It finds "On … wrote:", "Am … schrieb …:", Outlook's English and German
 * "From:/Sent:" blocks, "-----Original Message-----" and the English and German "Sent from my
 * iPhone" lines; our fixtures (test/fixtures/inbound) show it missing Russian ones: Gmail's
 * "пн, 30 нояб. 2026 г. в 10:12, Name <a@b>:", Thunderbird's "… пишет:", Outlook's
 * "От: … Отправлено: …" block and "Отправлено с iPhone". The text is cut at the first of these
 * lines, then handed to email-reply-parser for the rest.
 */
const QUOTE_HEADER_LINES: RegExp[] = [
  // Thunderbird and Apple Mail, Russian: "30.11.2026 10:12, Recovery Desk пишет:"
  /^.{0,300}\s(пишет|написал|написала|написал\(а\)):\s*$/i,
  // Gmail in any language: a date with a time, then "Name <address>:" closing the line
  /^.{0,200}\d{1,2}:\d{2}.{0,200}<[^<>\s]+@[^<>\s]+>:?\s*$/,
  // "-----Исходное сообщение-----", "-----Ursprüngliche Nachricht-----", "-----Original Message-----"
  /^-{2,}\s*(Исходное сообщение|Пересылаемое сообщение|Ursprüngliche Nachricht|Original Message)\s*-{2,}\s*$/i,
];

// Outlook's header block: "From:" (or its translation) with "Sent:"/"Date:" on one of the next lines.
const OUTLOOK_FROM = /^\*?(From|Von|От|De):\*?\s/i;
const OUTLOOK_SENT = /^\*?(Sent|Date|Gesendet|Datum|Отправлено|Дата):\*?\s/i;

// Mobile signatures email-reply-parser leaves in Russian.
const MOBILE_SIGNATURE =
  /^(Отправлено|Отправлено с|Sent) (с|from) (моего |my )?(iPhone|iPad|Android|Samsung).{0,40}$/i;

/** The text before the first localized quote header or mobile signature (all of it when none). */
export function cutAtQuoteHeader(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const outlook =
      OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 4).some((l) => OUTLOOK_SENT.test(l.trim()));
    if (outlook || MOBILE_SIGNATURE.test(line) || QUOTE_HEADER_LINES.some((re) => re.test(line)))
      return lines.slice(0, i).join('\n');
  }
  return text;
}
