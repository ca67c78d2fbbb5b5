import type { User } from '../auth/user.ts';
import type { Db } from '../db/db.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { maskActivationCodes } from '../identifiers/identifiers.ts';
import { normaliseReference } from '../requests/reference.ts';
import { findRequestId } from './notes.repository.ts';
import { noteSchema } from './notes.schema.ts';
import { requireDeskWorker } from '../auth/roles.ts';
import { insertEvent } from '../history/history.repository.ts';

/**
 * An internal note on a request: a history event of type `note` with the writer's address.
 * Notes are for the desk only: nothing here queues an email. Anything that looks like an
 * activation code is masked, as in customer text, so a pasted code is never stored in clear.
 */
export async function addNote(
  deps: { db: Db },
  actor: User,
  referenceInput: string,
  input: unknown,
): Promise<{ reference: string }> {
  requireDeskWorker(actor);
  const parsed = noteSchema.safeParse(input ?? {});
  if (!parsed.success)
    throw new AppError('validation_failed', 422, parsed.error.issues[0]?.message ?? 'The note is not valid.');
  const reference = normaliseReference(referenceInput);
  const requestId = reference ? await findRequestId(deps.db, reference) : undefined;
  if (!reference || requestId === undefined) throw new NotFoundError('No request has this reference.');
  await insertEvent(deps.db, {
    requestId,
    actor: actor.email,
    type: 'note',
    data: { text: maskActivationCodes(parsed.data.text) },
  });
  return { reference };
}
