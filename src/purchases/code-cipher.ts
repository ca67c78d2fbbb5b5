import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync } from 'node:crypto';

const VERSION = 'v1';

/**
 * Activation codes at rest: AES-256-GCM with a key derived (HKDF-SHA256) from SECRET_KEY, a
 * random 96-bit nonce per code, stored as `v1.<nonce>.<tag>.<ciphertext>` in base64url.
 */
export interface CodeCipher {
  encrypt(code: string): string;
  decrypt(stored: string): string;
}

export function createCodeCipher(secretKey: string): CodeCipher {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'recovery-desk', 'activation-codes', 32));
  const nonces = new NonceSource();
  return {
    encrypt(code) {
      const nonce = nonces.next();
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const data = cipher.update(code, 'utf8');
      cipher.final(); // GCM is a stream mode: final adds no bytes, it computes the tag
      const b64 = (bytes: Buffer) => bytes.toString('base64url');
      return `${VERSION}.${b64(nonce)}.${b64(cipher.getAuthTag())}.${b64(data)}`;
    },
    decrypt(stored) {
      const [version, nonce, tag, data] = stored.split('.');
      if (version !== VERSION || !nonce || !tag || data === undefined)
        throw new Error('not an encrypted activation code');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

/**
 * Random 96-bit nonces, drawn from the system's generator 4,096 at a time: one call for each
 * nonce was a third of the cost of encrypting a code (an import encrypts a million).
 */
class NonceSource {
  private readonly pool = Buffer.alloc(12 * 4096);
  private at = this.pool.length;

  next(): Buffer {
    if (this.at === this.pool.length) {
      randomFillSync(this.pool);
      this.at = 0;
    }
    return this.pool.subarray(this.at, (this.at += 12));
  }
}
