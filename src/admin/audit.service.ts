import { utcMinute } from '../time-text.ts';
import { listAuditEvents, type AuditEventRow } from '../audit/audit.repository.ts';
import type { AuditAction } from '../audit/audit.ts';
import type { Queryable } from '../db/db.ts';
import { AppError } from '../errors.ts';

export const AUDIT_PAGE_SIZE = 50;

export interface AuditEventView {
  id: number;
  at: string;
  actor: string;
  actor_id: number | null;
  action: AuditAction;
  subject: string | null;
  address: string | null;
  data: Record<string, unknown>;
  /** The event as a sentence: "admin@example.com disabled tess@example.com." */
  text: string;
}

export interface AuditPage {
  events: AuditEventView[];
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  next_cursor: string | null;
}

/** A cursor the audit did not give out: 422, never a 500. */
export class InvalidCursorError extends AppError {
  constructor() {
    super('invalid_cursor', 422, 'cursor: not a cursor the audit gave out.');
  }
}

/** Newest first, a page at a time (README "Security", audit of administration). */
export async function auditPage(db: Queryable, cursor: unknown, limit = AUDIT_PAGE_SIZE): Promise<AuditPage> {
  const before = readCursor(cursor);
  const rows = await listAuditEvents(db, { before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map(eventView),
    next_cursor: rows.length > limit && last ? Buffer.from(String(last.id)).toString('base64url') : null,
  };
}

function readCursor(cursor: unknown): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (typeof cursor !== 'string' || cursor.length > 40) throw new InvalidCursorError();
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9]\d{0,14}$/.test(id)) throw new InvalidCursorError();
  return Number(id);
}

function eventView(row: AuditEventRow): AuditEventView {
  return {
    id: Number(row.id),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    actor_id: row.actor_id === null ? null : Number(row.actor_id),
    action: row.action,
    subject: row.subject,
    address: row.address,
    data: row.data,
    text: sentence(row),
  };
}

const REASONS: Record<string, string> = {
  owner: 'its owner revoked it',
  admin: 'an admin revoked it',
  user_disabled: 'its user was disabled',
};

/** One sentence per kind; a kind added to AUDIT_ACTIONS without one does not compile. */
const SENTENCES: Record<AuditAction, (who: string, what: string, data: Record<string, unknown>) => string> = {
  user_added: (who, what, d) => `${who} added ${what} as ${word(d.role, 'a user')}.`,
  user_disabled: (who, what) => `${who} disabled ${what}.`,
  user_enabled: (who, what) => `${who} enabled ${what}.`,
  user_role_changed: (who, what, d) =>
    `${who} changed the role of ${what} from ${word(d.from, '?')} to ${word(d.to, '?')}.`,
  token_created: (who, what, d) =>
    `${who} created ${what}${d.expires_at ? `, valid until ${minute(d.expires_at)}` : ''}.`,
  token_revoked: (who, what, d) =>
    `${who} revoked ${what}${typeof d.reason === 'string' && REASONS[d.reason] ? ` (${REASONS[d.reason]})` : ''}.`,
  sign_in_failed: (who, what) => `A sign-in as ${what || who} failed.`,
  account_throttled: (who, what) => `Sign-in for ${what || who} was paused after repeated failures.`,
  settings_changed: (who, what) => `${who} changed the setting ${what}.`,
  keys_rotated: (who, what) => `${who} re-encrypted ${what || 'the stored secrets'} under the current key.`,
  macro_created: (who, what) => `${who} created ${what}.`,
  macro_changed: (who, what) => `${who} changed ${what}.`,
  macro_archived: (who, what) => `${who} archived ${what}.`,
  macro_restored: (who, what) => `${who} restored ${what}.`,
  inbound_raw_viewed: (who, what) => `${who} read ${what} as received.`,
  code_lookup: (_who, what, d) =>
    d.refused
      ? `A lookup of the codes of ${what} by email was refused: that mailbox's daily limit is reached.`
      : `Someone asked for the codes of ${what} by email (lookup ${String(d.lookup_id)}).`,
  codes_emailed: (_who, what, d) =>
    `The licences of ${what} were emailed to it (lookup ${String(d.lookup_id)}: ${String(d.licences)} listed, codes of ${Array.isArray(d.codes) ? d.codes.length : 0}).`,
  instant_recovery_paused: (_who, _what, d) =>
    `Instant recovery paused itself: ${count(d.sends)} automatic sends in an hour reached the limit of ${count(d.limit)} (at ${word(d.reference, 'a request')}).`,
  instant_recovery_resumed: (who, _what, d) =>
    `${who} resumed instant recovery (paused at ${count(d.sends)} automatic sends in an hour, limit ${count(d.limit)}).`,
  purchases_pushed: (who, what, d) =>
    `${who} pushed ${what} by API: ${count(d.created)} created, ${count(d.updated)} updated, ${count(d.unchanged)} unchanged, ${count(d.invalid)} invalid.`,
  webhook_created: (who, what, d) =>
    `${who} registered ${what} for ${Array.isArray(d.events) ? d.events.join(', ') : 'its events'}.`,
  webhook_deleted: (who, what) => `${who} deleted ${what}.`,
  webhook_disabled: (who, what) => `${who} disabled ${what}.`,
  webhook_enabled: (who, what) => `${who} enabled ${what}.`,
  webhook_resent: (who, what, d) => `${who} sent delivery ${String(d.delivery_id)} of ${what} again.`,
};

function sentence(row: AuditEventRow): string {
  const who = row.actor === 'cli' ? 'The operator (desk command line)' : row.actor;
  const write = SENTENCES[row.action] as (typeof SENTENCES)[AuditAction] | undefined;
  return write ? write(who, row.subject ?? '', row.data) : `${who}: ${row.action} ${row.subject ?? ''}.`;
}

function count(value: unknown): string {
  return typeof value === 'number' ? String(value) : '?';
}

function word(value: unknown, otherwise: string): string {
  return typeof value === 'string' ? value : otherwise;
}

function minute(value: unknown): string {
  const date = new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : utcMinute(date);
}
