import { consoleTime, utcMinute, type ShownTime } from '../time-text.ts';
import type { ApiTokenRow, RevokedReason } from '../auth/tokens.repository.ts';
import type { TokenScope } from '../auth/token-scopes.ts';

export interface TokenView {
  id: number;
  label: string;
  createdBy: string;
  created: ShownTime;
  expires: ShownTime;
  expired: boolean;
  lastUsed: ShownTime;
  /** "2025-01-02 10:00 UTC by admin@example.com (admin)", or null while the token lives. */
  revoked: string | null;
  live: boolean;
  /** "purchases:write", or "none" for a token that does what its user's role allows. */
  scopes: string;
}

const WHY: Record<RevokedReason, string> = {
  owner: 'by its owner',
  admin: 'by an admin',
  user_disabled: 'when its user was disabled',
};

/** A token as the "My tokens" and admin users pages list it: never its value. */
export function tokenView(t: ApiTokenRow, now = new Date()): TokenView {
  const expired = new Date(t.expires_at) <= now;
  return {
    id: t.id,
    label: t.label ?? '(no label)',
    createdBy: creator(t),
    created: consoleTime(t.created_at),
    expires: consoleTime(t.expires_at),
    expired,
    lastUsed: t.last_used_at ? consoleTime(t.last_used_at) : 'never',
    revoked: t.revoked_at ? revokedText(t) : null,
    live: !t.revoked_at && !expired,
    scopes: scopesText(t.scopes),
  };
}

/** A token's scopes as lists and the new-token page show them. */
export function scopesText(scopes: readonly TokenScope[]): string {
  return scopes.length ? scopes.join(', ') : 'none';
}

function creator(t: ApiTokenRow): string {
  switch (t.created_via) {
    case 'cli':
      return 'cli (desk token create)';
    case 'console':
      return t.created_by_email ?? `user ${t.created_by}`;
    case 'unknown':
      return 'unknown (made before creators were recorded)';
  }
}

function revokedText(t: ApiTokenRow): string {
  const why = t.revoked_reason ? WHY[t.revoked_reason] : '';
  const by = t.revoked_by_email && t.revoked_reason !== 'owner' ? ` (${t.revoked_by_email})` : '';
  return `${utcMinute(t.revoked_at!)} ${why}${by}`.trim();
}
