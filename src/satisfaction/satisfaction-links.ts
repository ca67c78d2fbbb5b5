import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';
import type { EmailSecret } from '../mail/email-render.ts';
import { derivedKeys } from '../purchases/code-cipher.ts';

/** A customer's one-click answer to the email that closed their request (migration 0027's CHECK). */
export const SATISFACTION_ANSWERS = ['helpful', 'not_helpful'] as const;
export type SatisfactionAnswer = (typeof SATISFACTION_ANSWERS)[number];

export function isSatisfactionAnswer(value: unknown): value is SatisfactionAnswer {
  return typeof value === 'string' && (SATISFACTION_ANSWERS as readonly string[]).includes(value);
}

/** The email facts that hold each answer's link (templates/partials/email-satisfaction*.hbs). */
const FACT_OF: Record<SatisfactionAnswer, string> = { helpful: 'helpfulUrl', not_helpful: 'notHelpfulUrl' };

export type LinkKeys = Pick<Config, 'secretKey' | 'secretKeyPrevious'>;

/**
 * The HMAC keys for satisfaction links: derived (HKDF) from SECRET_KEY, then each of
 * SECRET_KEY_PREVIOUS, with a purpose of their own, so a link signed before a rotation still works
 * and no other secret of the desk can be made to sign one. Cached: derivation costs more than a MAC.
 */
const keysOf = new Map<string, Buffer[]>();
function linkKeys(keys: LinkKeys): Buffer[] {
  const id = [keys.secretKey, ...keys.secretKeyPrevious].join('\n');
  let found = keysOf.get(id);
  if (!found)
    keysOf.set(
      id,
      (found = derivedKeys(keys.secretKey, keys.secretKeyPrevious, 'satisfaction-links').map((k) => k.key)),
    );
  return found;
}

function mac(key: Buffer, reference: string, answer: SatisfactionAnswer): Buffer {
  return createHmac('sha256', key).update(`satisfaction.v1:${reference}:${answer}`).digest();
}

/** The token of one answer's link: names nothing by itself, it signs the reference and answer of the path. */
export function satisfactionToken(secretKey: string, reference: string, answer: SatisfactionAnswer): string {
  return mac(linkKeys({ secretKey, secretKeyPrevious: [] })[0]!, reference, answer).toString('base64url');
}

/** Whether `token` signs this reference (canonical) and answer under SECRET_KEY or a previous key. */
export function tokenSigns(
  keys: LinkKeys,
  reference: string,
  answer: SatisfactionAnswer,
  token: string,
): boolean {
  const given = Buffer.from(token, 'base64url');
  let ok = false;
  for (const key of linkKeys(keys)) {
    const expected = mac(key, reference, answer);
    // Every key is tried whatever the first says: the time taken does not tell which key signed.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

/** The address of one answer's link. */
export function satisfactionUrl(
  config: Pick<Config, 'publicUrl' | 'secretKey'>,
  reference: string,
  answer: SatisfactionAnswer,
): string {
  const token = satisfactionToken(config.secretKey, reference, answer);
  return `${config.publicUrl}/requests/${reference}/feedback/${answer}?token=${token}`;
}

/**
 * The two links of an email that resolves or rejects a request, as secret facts (README
 * "Satisfaction"): a link answers for the request, so like the status link it is kept encrypted
 * in the email row, and the recorded copy the console shows links to the page without its token.
 */
export function satisfactionLinks(
  config: Pick<Config, 'publicUrl' | 'secretKey'>,
  reference: string,
): Record<string, EmailSecret> {
  return Object.fromEntries(
    SATISFACTION_ANSWERS.map((answer) => {
      const url = satisfactionUrl(config, reference, answer);
      return [FACT_OF[answer], { value: url, masked: url.replace(/\?token=.*$/, '') }];
    }),
  );
}
