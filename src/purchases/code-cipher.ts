import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

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
  return {
    encrypt(code) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const data = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
      return [VERSION, nonce, cipher.getAuthTag(), data]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
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
