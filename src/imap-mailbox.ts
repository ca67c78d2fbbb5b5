// INBOUND_IMAP_URL taken apart: config.ts checks it at start with this, the IMAP poller connects by it.

/** The mailbox INBOUND_IMAP_URL names: `imap://` (STARTTLS when offered) or `imaps://` (TLS). */
export interface ImapMailbox {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The folder polled: the URL's path, INBOX when it has none. */
  readonly mailbox: string;
}

/**
 * Takes `imap[s]://user:pass@host[:port]/MAILBOX` apart; throws saying what is wrong, without
 * quoting the URL (it holds the password).
 */
export function imapMailboxOf(value: string): { url: string; mailbox: ImapMailbox } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('must be a URL such as imaps://user:password@imap.example.com/INBOX');
  }
  const secure = url.protocol === 'imaps:';
  if (!secure && url.protocol !== 'imap:') throw new Error('must start with imap:// or imaps://');
  if (!url.hostname) throw new Error('must name the IMAP server: imaps://user:password@HOST/INBOX');
  if (!url.username || !url.password)
    throw new Error('must hold the user and password: imaps://USER:PASSWORD@host/INBOX');
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new Error('has a bad %-escape in its user, password or mailbox');
    }
  };
  const folder = decode(url.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  const mailbox: ImapMailbox = {
    secure,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    user: decode(url.username),
    password: decode(url.password),
    mailbox: folder || 'INBOX',
  };
  return { url: value, mailbox };
}
