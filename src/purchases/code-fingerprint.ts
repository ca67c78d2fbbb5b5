import { createHmac, hkdfSync } from 'node:crypto';

/**
 * A deterministic, keyed fingerprint of an activation code (HMAC-SHA256, base64url), stored beside
 * the encrypted code: equal codes give equal fingerprints, so a changed code shows without
 * decrypting, while the fingerprint alone reveals nothing without SECRET_KEY. Its key is derived
 * apart from the encryption key.
 */
export function createCodeFingerprint(secretKey: string): (code: string) => string {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'recovery-desk', 'activation-code-fingerprints', 32));
  return (code) => createHmac('sha256', key).update(code, 'utf8').digest('base64url');
}
