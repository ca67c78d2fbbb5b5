import { createHmac, hkdfSync } from 'node:crypto';

/**
 * A deterministic, keyed fingerprint of an activation code (HMAC-SHA256, base64url), stored beside
 * the encrypted code: equal codes give equal fingerprints, so a changed code shows without
 * decrypting, while the fingerprint alone reveals nothing without SECRET_KEY. Its key is derived
 * apart from the encryption key. A row's fingerprint is always under the key its code is
 * encrypted with: `desk keys rotate` recomputes both together.
 */
export function createCodeFingerprint(secretKey: string): (code: string) => string {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'recovery-desk', 'activation-code-fingerprints', 32));
  return (code) => createHmac('sha256', key).update(code, 'utf8').digest('base64url');
}

/**
 * The code's fingerprint under every configured key, SECRET_KEY's first: until `desk keys rotate`
 * has run, a code stored under a previous key is found only by its fingerprint under that key.
 */
export function createCodeFingerprints(
  secretKey: string,
  previousKeys: readonly string[],
): (code: string) => string[] {
  const each = [secretKey, ...previousKeys.filter((k) => k !== secretKey)].map(createCodeFingerprint);
  return (code) => each.map((fingerprint) => fingerprint(code));
}
