import { recordAudit } from '../audit/audit.repository.ts';
import type { ActingAs, AuditAction } from '../audit/audit.ts';
import { requireDeskWorker } from '../auth/roles.ts';
import type { User } from '../auth/user.ts';
import { isUniqueViolation, type Db, type Queryable } from '../db/db.ts';
import { AppError, NotFoundError } from '../errors.ts';
import type { Locale } from '../i18n/i18n.ts';
import { fillPlaceholders } from '../mail/message-placeholders.ts';
import { decisionSchema, parseOrThrow, type Decision, type DecisionRequest } from './decisions.schema.ts';
import {
  findMacro,
  insertMacro,
  listMacros,
  setArchived,
  updateMacro,
  type MacroRow,
} from './macros.repository.ts';
import { InvalidMacroError, parseMacroForm, type MacroDecision } from './macros.schema.ts';

/** The macro a decision was made with, as its history event records it. */
export interface UsedMacro {
  id: number;
  name: string;
}

/** The request a macro's text is filled for. */
interface MacroTarget {
  name: string;
  reference: string;
}

/** Macros in use, with their texts per locale: `GET /api/v1/macros`. */
export async function activeMacros(db: Queryable, actor: User): Promise<MacroRow[]> {
  requireDeskWorker(actor);
  return listMacros(db, 'active');
}

/** Every macro, archived ones last: the admin's list. */
export function allMacros(db: Queryable): Promise<MacroRow[]> {
  return listMacros(db, 'all');
}

export async function macroById(db: Queryable, id: number): Promise<MacroRow> {
  const macro = await findMacro(db, id);
  if (!macro) throw new NotFoundError('No macro has this id.');
  return macro;
}

/** A macro's text in the request's locale, with its name and reference filled; `{{status_url}}` stays for the email. */
export function macroText(macro: Pick<MacroRow, 'texts'>, locale: Locale, target: MacroTarget): string {
  return fillPlaceholders(macro.texts[locale], { name: target.name, reference: target.reference });
}

/** The macros a request's forms offer, per decision, with their texts ready for it. */
export async function macroChoices(
  db: Queryable,
  locale: Locale,
  target: MacroTarget,
): Promise<Record<MacroDecision, MacroChoice[]>> {
  const choices: Record<MacroDecision, MacroChoice[]> = { request_info: [], reject: [] };
  for (const macro of await listMacros(db, 'active'))
    choices[macro.decision].push({
      id: macro.id,
      name: macro.name,
      reason: macro.reason,
      text: macroText(macro, locale, target),
    });
  return choices;
}
export type MacroChoice = Pick<MacroRow, 'id' | 'name' | 'reason'> & { text: string };

/**
 * A posted decision as decide() applies it: without a macro, the body itself; with one, the
 * macro's reason and (unless a message is given, which is sent instead) its text in the request's
 * locale. An unknown or archived macro, one for another decision, or a reason that contradicts
 * the macro's is refused (422) before anything changes.
 */
export async function withMacro(
  db: Queryable,
  request: DecisionRequest,
  locale: Locale,
  target: MacroTarget,
): Promise<{ decision: Decision; macro?: UsedMacro }> {
  if (request.type === 'reissue' || request.type === 'refund' || request.macro === undefined)
    return { decision: parseOrThrow(decisionSchema, request) };
  const macro = await usableMacro(db, request.macro, request.type);
  if (request.type === 'reject' && request.reason !== undefined && request.reason !== macro.reason)
    throw unusable(
      `The macro “${macro.name}” rejects with the reason ${macro.reason}, not ${request.reason}: leave the reason out, or choose another macro.`,
    );
  const message = request.message ?? macroText(macro, locale, target);
  const decision = parseOrThrow(decisionSchema, { ...request, reason: macro.reason ?? undefined, message });
  return { decision, macro: { id: macro.id, name: macro.name } };
}

/** A macro a decision of `type` may use now: it exists, is not archived, and fills that decision (else 422). */
export async function usableMacro(db: Queryable, id: number, type: string): Promise<MacroRow> {
  const macro = await findMacro(db, id);
  if (!macro) throw unusable(`No macro has the id ${id}.`);
  if (macro.archived_at) throw unusable(`The macro “${macro.name}” (${id}) is archived: choose another.`);
  if (macro.decision !== type)
    throw unusable(`The macro “${macro.name}” (${id}) is for a ${macro.decision} decision, not ${type}.`);
  return macro;
}

function unusable(message: string): AppError {
  return new AppError('macro_unusable', 422, message);
}

/** Adds a macro from the admin's form, audited in the same transaction. */
export async function createMacro(
  db: Db,
  admin: User,
  form: unknown,
  address: string | null,
): Promise<number> {
  const input = parseMacroForm(form);
  return sameNameRefused(input.name, () =>
    db.transaction(async (tx) => {
      const id = await insertMacro(tx, input, admin.id);
      await audit(tx, admin, address, 'macro_created', { id, name: input.name });
      return id;
    }),
  );
}

/** Changes a macro from the admin's form, audited. */
export async function changeMacro(
  db: Db,
  admin: User,
  id: number,
  form: unknown,
  address: string | null,
): Promise<void> {
  const input = parseMacroForm(form);
  await sameNameRefused(input.name, () =>
    db.transaction(async (tx) => {
      const before = await macroById(tx, id);
      await updateMacro(tx, id, input, admin.id);
      await audit(tx, admin, address, 'macro_changed', { id, name: input.name }, { was: before.name });
    }),
  );
}

/**
 * Archives a macro (it leaves the pickers and the API; decisions that used it still name it) or
 * restores it. Says whether anything changed: restoring fails while another macro in use has its name.
 */
export async function setMacroArchived(
  db: Db,
  admin: User,
  id: number,
  archived: boolean,
  address: string | null,
): Promise<{ name: string; changed: boolean }> {
  return db.transaction(async (tx) => {
    const macro = await macroById(tx, id);
    const changed = await sameNameRefused(macro.name, () => setArchived(tx, id, archived, admin.id));
    if (changed) await audit(tx, admin, address, archived ? 'macro_archived' : 'macro_restored', macro);
    return { name: macro.name, changed };
  });
}

async function sameNameRefused<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error, 'macros_active_name')) throw error;
    throw new InvalidMacroError({ name: `Another macro in use is called “${name}”: choose another name.` });
  }
}

function audit(
  tx: Queryable,
  admin: User,
  address: string | null,
  action: AuditAction,
  macro: UsedMacro,
  data: Record<string, unknown> = {},
): Promise<void> {
  const acting: ActingAs = { actor: { id: admin.id, email: admin.email }, address };
  return recordAudit(tx, {
    ...acting,
    action,
    subject: `macro ${macro.id} “${macro.name}”`,
    data: { macro_id: macro.id, ...data },
  });
}
