import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomFillSync } from 'node:crypto';

const VERSION = 'v2';
export const NONCE_BYTES = 12;
// GCM accepts tags from 4 bytes up unless told otherwise; a short tag is a forgery made easy.
export const TAG_BYTES = 16;

/**
 * Activation codes (and emails that carry one) at rest: AES-256-GCM with a key derived
 * (HKDF-SHA256) from SECRET_KEY, a random 96-bit nonce per value, stored in base64url as
 * `v2.<key id>.<nonce>.<tag>.<ciphertext>`. The key id names the key without revealing it, so a
 * value written under an earlier key (SECRET_KEY_PREVIOUS) is opened by that key, and
 * `desk keys rotate` knows what to re-encrypt. `v1.<nonce>.<tag>.<ciphertext>`, written before key
 * ids, is still read: each configured key is tried, the current one first.
 */
export interface CodeCipher {
  /** The key id of SECRET_KEY, the key that encrypts. */
  readonly keyId: string;
  /** What every value encrypted under SECRET_KEY starts with (for SQL that finds the others). */
  readonly currentPrefix: string;
  encrypt(code: string): string;
  decrypt(stored: string): string;
  /** Whether `stored` is already under SECRET_KEY (rotation leaves it as it is). */
  isCurrent(stored: string): boolean;
}

/** No configured key opens the value: `keyId` is the key it names (null for a v1 value, which names none). */
export class NoKeyOpensError extends Error {
  constructor(readonly keyId: string | null) {
    super(
      keyId
        ? `no configured key has key id ${keyId} (SECRET_KEY, SECRET_KEY_PREVIOUS)`
        : 'no configured key opens this value (SECRET_KEY, SECRET_KEY_PREVIOUS)',
    );
  }
}

/** A short, stable name of a key: the first 8 characters of a keyed hash of a fixed label. */
export function keyId(secretKey: string): string {
  return createHmac('sha256', secretKey).update('recovery-desk key id').digest('base64url').slice(0, 8);
}

/**
 * The AES-256 keys for one purpose (`info`), derived from SECRET_KEY and then SECRET_KEY_PREVIOUS,
 * each with its key id. Each purpose gets its own key from the same setting, so the key ids (and
 * `desk keys rotate`) stay one story.
 */
export function derivedKeys(
  secretKey: string,
  previousKeys: readonly string[],
  info: string,
): { id: string; key: Buffer }[] {
  return [secretKey, ...previousKeys.filter((k) => k !== secretKey)].map((k) => ({
    id: keyId(k),
    key: Buffer.from(hkdfSync('sha256', k, 'recovery-desk', info, 32)),
  }));
}

/** `secretKey` encrypts; it and `previousKeys` (in that order) decrypt. */
export function createCodeCipher(secretKey: string, previousKeys: readonly string[] = []): CodeCipher {
  const keys = derivedKeys(secretKey, previousKeys, 'activation-codes');
  const current = keys[0]!;
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const nonces = new NonceSource();
  const prefix = `${VERSION}.${current.id}.`;
  return {
    keyId: current.id,
    currentPrefix: prefix,
    encrypt(code) {
      const nonce = nonces.next();
      const cipher = createCipheriv('aes-256-gcm', current.key, nonce, { authTagLength: TAG_BYTES });
      const data = cipher.update(code, 'utf8');
      cipher.final(); // GCM is a stream mode: final adds no bytes, it computes the tag
      const b64 = (bytes: Buffer) => bytes.toString('base64url');
      return `${prefix}${b64(nonce)}.${b64(cipher.getAuthTag())}.${b64(data)}`;
    },
    decrypt(stored) {
      const parts = stored.split('.');
      if (parts[0] === VERSION && parts.length === 5) {
        const [, id, nonce, tag, data] = parts as [string, string, string, string, string];
        const key = byId.get(id);
        if (!key) throw new NoKeyOpensError(id);
        return open(key, nonce, tag, data);
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        const [, nonce, tag, data] = parts as [string, string, string, string];
        for (const { key } of keys) {
          try {
            return open(key, nonce, tag, data);
          } catch (error) {
            if (error instanceof MalformedError) throw error;
          }
        }
        throw new NoKeyOpensError(null);
      }
      throw new MalformedError('not an encrypted activation code');
    },
    isCurrent: (stored) => stored.startsWith(prefix),
  };
}

class MalformedError extends Error {}

function open(key: Buffer, nonceText: string, tagText: string, dataText: string): string {
  const nonce = Buffer.from(nonceText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES)
    throw new MalformedError(`not an encrypted activation code: the tag must be ${TAG_BYTES} bytes`);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(dataText, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}

/**
 * Random 96-bit nonces, drawn from the system's generator 4,096 at a time: one call for each
 * nonce was a third of the cost of encrypting a code (an import encrypts a million).
 */
export class NonceSource {
  private readonly pool = Buffer.alloc(NONCE_BYTES * 4096);
  private at = this.pool.length;

  next(): Buffer {
    if (this.at === this.pool.length) {
      randomFillSync(this.pool);
      this.at = 0;
    }
    return this.pool.subarray(this.at, (this.at += NONCE_BYTES));
  }
}
