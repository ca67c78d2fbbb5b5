import { MASKED_CODE } from '../codes/activation-code.ts';
import { hasExpired, reissueBreaks } from '../decisions/rules.ts';
import { expiresOn } from '../matching/verdict.ts';
import type { EmailSecret } from '../mail/email-render.ts';
import type { LookupPurchase } from './code-lookups.repository.ts';

/** What a lookup email says of one licence, besides its product, number and status. */
export const LINE_KINDS = ['code', 'renewal', 'listed'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

/**
 * The code goes only where a technician's reissue could send it (the same rules, `reissueBreaks`):
 * an active commercial licence in its term. An expired commercial one gets the renewal offer
 * instead; trials, refunded and revoked licences are listed and nothing more.
 */
export function lineKind(p: LookupPurchase, today: string): LineKind {
  if (reissueBreaks(p, today) === null) return 'code';
  const ended = p.license_type === 'commercial' && p.status !== 'refunded' && p.status !== 'revoked';
  return ended && hasExpired(p, today) ? 'renewal' : 'listed';
}

export interface LookupEmail {
  facts: Record<string, unknown>;
  /** The codes, each a secret fact of its own (`code1`, `code2`…), masked in the recorded copy. */
  secrets: Record<string, EmailSecret>;
  /** The purchases whose code the email carries. */
  codesOf: number[];
}

/** The email's facts: one line per licence, and the codes as secret facts the lines name. */
export function lookupEmail(
  purchases: LookupPurchase[],
  total: number,
  decrypt: (enc: string) => string,
  extra: { formUrl: string; today: string },
): LookupEmail {
  const secrets: Record<string, EmailSecret> = {};
  const codesOf: number[] = [];
  const licences = purchases.map((p) => {
    const kind = lineKind(p, extra.today);
    const line = {
      product: p.product_name,
      licenseNumber: p.license_number,
      // A licence past its term reads as expired, whatever its record still says.
      status: p.status === 'active' && hasExpired(p, extra.today) ? 'expired' : p.status,
      trial: p.license_type === 'trial',
      kind,
      estore: p.channel === 'estore',
      store: p.store,
      expiresOn: kind === 'code' ? expiresOn(p) : null,
      codeKey: null as string | null,
    };
    if (kind === 'code') {
      line.codeKey = `code${codesOf.length + 1}`;
      secrets[line.codeKey] = { value: decrypt(p.activation_code_enc), masked: MASKED_CODE };
      codesOf.push(Number(p.id));
    }
    return line;
  });
  return {
    facts: { licences, count: licences.length, total, more: total > licences.length, formUrl: extra.formUrl },
    secrets,
    codesOf,
  };
}
