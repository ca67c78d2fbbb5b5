import { LOCALES, type Locale } from '../i18n/i18n.ts';
import type { CodeCipher } from '../purchases/code-cipher.ts';
import type { RenderedEmail, Templates } from '../templates.ts';
import type { EmailRow } from './mail.repository.ts';
import { withMessageFilled } from './message-placeholders.ts';

/**
 * A fact that must not be stored in clear: the value the recipient gets, and the masked form the
 * recorded copy (and so every page and API listing emails) shows instead.
 */
export interface EmailSecret {
  value: string;
  masked: string;
}

/** A template, its data or a secret that cannot make this email: trying again cannot help. */
export class EmailRenderError extends Error {}

type RowToRecord = Pick<EmailRow, 'template' | 'locale' | 'facts'>;
type RowToRender = RowToRecord & Pick<EmailRow, 'secret_facts_enc'>;

/** The email as recorded (masked), as sent, and the sent bodies encrypted when they differ. */
export interface RenderedForSending {
  record: RenderedEmail;
  sent: RenderedEmail;
  secretHtmlEnc: string | null;
  secretTextEnc: string | null;
}

/**
 * Renders a queued email from its facts: once with the masked facts (the copy kept for the record),
 * and, when it carries secrets, once with them (what leaves, kept encrypted). `cipher` is the email
 * job's; without it an email with secrets cannot be rendered (undefined).
 */
export function renderForSending(
  templates: Templates,
  row: RowToRender,
  cipher: CodeCipher | undefined,
): RenderedForSending | undefined {
  const record = renderRecord(templates, row);
  if (row.secret_facts_enc === null)
    return { record, sent: record, secretHtmlEnc: null, secretTextEnc: null };
  if (!cipher) return undefined;
  const secrets = secretFactsOf(row.secret_facts_enc, cipher);
  const sent = render(templates, row, { ...row.facts, ...secrets });
  for (const value of Object.values(secrets))
    if (sent.subject.includes(value))
      throw new EmailRenderError(`template ${row.template} puts a secret in its subject`);
  return {
    record,
    sent,
    secretHtmlEnc: cipher.encrypt(sent.html),
    secretTextEnc: cipher.encrypt(sent.text),
  };
}

/** The secret facts of an email, opened. */
export function secretFactsOf(secretFactsEnc: string, cipher: CodeCipher): Record<string, string> {
  return JSON.parse(cipher.decrypt(secretFactsEnc)) as Record<string, string>;
}

/**
 * The copy kept for the record: as stored once the email job rendered it, else rendered now from
 * the masked facts (an email still waiting), so the console and the API show it either way.
 */
export function recordedCopy(
  templates: Templates,
  row: RowToRecord & Pick<EmailRow, 'subject' | 'html' | 'text'>,
): RenderedEmail {
  if (row.subject !== null && row.html !== null && row.text !== null)
    return { subject: row.subject, html: row.html, text: row.text };
  return renderRecord(templates, row);
}

function renderRecord(templates: Templates, row: RowToRecord): RenderedEmail {
  if (row.facts === null) throw new EmailRenderError(`email has neither a rendered copy nor facts`);
  return render(templates, row, row.facts);
}

// A message's placeholders are filled here, from the facts of this render: the masked status link
// in the recorded copy, the one with its token in the email that leaves.
function render(templates: Templates, row: RowToRecord, facts: Record<string, unknown>): RenderedEmail {
  const locale = (LOCALES as readonly string[]).includes(row.locale) ? (row.locale as Locale) : 'en';
  try {
    return templates.email(row.template, locale, withMessageFilled(facts));
  } catch (error) {
    throw new EmailRenderError(error instanceof Error ? error.message : String(error));
  }
}
