import { createCipheriv, createDecipheriv } from 'node:crypto';
import { derivedKeys, NoKeyOpensError, NONCE_BYTES, NonceSource, TAG_BYTES } from './code-cipher.ts';

/**
 * Uploaded files at rest (README "Security"): each chunk of a file (attachment_chunks) is its own
 * AES-256-GCM ciphertext, stored as `nonce ‖ tag ‖ ciphertext` bytes beside the id of the key that
 * sealed it, under a key derived from SECRET_KEY for files alone. `context` (which file, which
 * chunk) is authenticated with it, so a chunk moved to another file or place does not open.
 * Bytes, not the code cipher's base64 text: a 5 MB file would grow by a third.
 */
export interface FileCipher {
  /** The key id of SECRET_KEY, the key that encrypts. */
  readonly keyId: string;
  encrypt(plain: Buffer, context: string): Buffer;
  /** Opens a chunk sealed under key `keyId` (SECRET_KEY or one of SECRET_KEY_PREVIOUS). */
  decrypt(keyId: string, sealed: Buffer, context: string): Buffer;
}

export function createFileCipher(secretKey: string, previousKeys: readonly string[] = []): FileCipher {
  const keys = derivedKeys(secretKey, previousKeys, 'uploaded-files');
  const current = keys[0]!;
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const nonces = new NonceSource();
  return {
    keyId: current.id,
    encrypt(plain, context) {
      const nonce = nonces.next();
      const cipher = createCipheriv('aes-256-gcm', current.key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = cipher.update(plain);
      cipher.final(); // GCM adds no bytes at the end; final computes the tag
      return Buffer.concat([nonce, cipher.getAuthTag(), data]);
    },
    decrypt(id, sealed, context) {
      const key = byId.get(id);
      if (!key) throw new NoKeyOpensError(id);
      if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('not an encrypted chunk of a file');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAuthTag(sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
    },
  };
}

/** What a chunk's ciphertext is bound to: its file and its place in it. */
export const chunkContext = (attachmentId: number, seq: number) => `attachment ${attachmentId} chunk ${seq}`;

/** What a raw inbound email's ciphertext (inbound_messages.raw_enc) is bound to: its message key. */
export const inboundRawContext = (messageKey: string) => `inbound ${messageKey}`;
