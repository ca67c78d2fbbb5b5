import type { Db } from '../../src/db/db.ts';
import type { Agent } from './session.ts';

/** Downloads an attachment through the console as `agent`, the body as bytes. */
export function download(agent: Agent, reference: string, attachmentId: number) {
  return agent
    .get(`/desk/requests/${reference}/attachments/${attachmentId}`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
}

export interface StoredAttachment {
  id: number;
  storage_path: string | null;
  size_bytes: number;
  sha256: string;
  /** How many chunk rows it has, and how many of them hold `marker` in plain bytes. */
  chunks: number;
  plain: number;
}

/** The attachments of a request as stored, oldest first, with their chunks searched for `marker`. */
export async function storedAttachments(db: Db, requestId: number, marker = ''): Promise<StoredAttachment[]> {
  return db.query<StoredAttachment>(
    `SELECT a.id, a.storage_path, a.size_bytes, a.sha256,
            (SELECT count(*)::int FROM attachment_chunks c WHERE c.attachment_id = a.id) AS chunks,
            (SELECT count(*)::int FROM attachment_chunks c
              WHERE c.attachment_id = a.id AND $2 <> '' AND position(convert_to($2, 'UTF8') IN c.data) > 0) AS plain
       FROM attachments a WHERE a.request_id = $1 ORDER BY a.id`,
    [requestId, marker],
  );
}
