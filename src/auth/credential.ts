import { createHash } from 'node:crypto';
import type { Credential } from './user.ts';

/**
 * A credential as rows record it (an approval's `decided_with`): a token by its id; a session by
 * the SHA-256 of its id, since the id itself would let whoever reads the row sign in as its user.
 */
export function credentialRecord(credential: Credential): { kind: Credential['kind']; id: string } {
  switch (credential.kind) {
    case 'session':
      return { kind: 'session', id: createHash('sha256').update(credential.id).digest('hex') };
    case 'token':
      return { kind: 'token', id: String(credential.id) };
  }
}
