import type { LicenceAuthoritySettings } from '../config.ts';
import { SIGNATURE_HEADER, signatureOf } from './signature.ts';

/**
 * The calls the desk makes to the vendor's licensing system (SPEC §14, README "Licence authority"):
 * a replacement code asked for, a revocation or a refund reported.
 */
export const AUTHORITY_CALL_KINDS = ['replacement', 'revocation', 'refund'] as const;
export type AuthorityCallKind = (typeof AUTHORITY_CALL_KINDS)[number];

const PATHS: Record<AuthorityCallKind, string> = {
  replacement: '/replacements',
  revocation: '/revocations',
  refund: '/refunds',
};

/** What one call says: the licence, why, and which of the desk's decisions it is. */
export interface AuthorityCallBody {
  license_number: string;
  reason: string;
  request_reference: string;
  approval_id: number | null;
}

/**
 * What came of one try: `answered` (2xx, with its JSON body, or null), `retry` (no answer in time,
 * a network error, 5xx, 408 or 429: the job tries again with the same key), or `refused` (any
 * other 4xx: the authority will not do it, and trying again would not change that).
 */
export type AuthorityAnswer =
  | { kind: 'answered'; body: unknown }
  | { kind: 'retry'; error: string }
  | { kind: 'refused'; status: number; error: string };

const RETRIED_STATUSES = new Set([408, 429]);

/** One signed try of a call; never throws for what the authority or the network does. */
export async function callAuthority(
  settings: LicenceAuthoritySettings,
  kind: AuthorityCallKind,
  body: AuthorityCallBody,
  idempotencyKey: string,
): Promise<AuthorityAnswer> {
  const json = JSON.stringify(body);
  let response: Response;
  try {
    response = await fetch(`${settings.url}${PATHS[kind]}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': idempotencyKey,
        [SIGNATURE_HEADER]: signatureOf(settings.secret, json, Math.floor(Date.now() / 1000)),
      },
      body: json,
      signal: AbortSignal.timeout(settings.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return { kind: 'retry', error: timedOut ? `no answer in ${settings.timeoutMs} ms` : networkError(error) };
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { kind: 'answered', body: parseJson(text) };
  if (response.status >= 500 || RETRIED_STATUSES.has(response.status))
    return { kind: 'retry', error: `answered ${response.status}` };
  return { kind: 'refused', status: response.status, error: refusalText(response.status, text) };
}

/** A retry's delay (the worker's backoff strategy): the base doubling per try, at most 10 minutes. */
export function authorityRetryDelay(settings: LicenceAuthoritySettings | undefined, attemptsMade: number) {
  const base = settings?.retryMs ?? 5_000;
  return Math.min(base * 2 ** Math.max(0, attemptsMade - 1), 10 * 60_000);
}

function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `not reached: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The refusal as staff read it: the status and the authority's `error` or `message`, short. */
function refusalText(status: number, text: string): string {
  const body = parseJson(text) as { error?: unknown; message?: unknown } | null;
  const said = typeof body?.error === 'string' ? body.error : body?.message;
  return typeof said === 'string' && said.trim() !== ''
    ? `${status}: ${said.trim().slice(0, 200)}`
    : `answered ${status}`;
}
