import type { Queryable } from '../db/db.ts';
import type { RejectReason } from './decisions.schema.ts';
import type { MacroDecision, MacroInput, MacroTexts } from './macros.schema.ts';

export interface MacroRow {
  id: number;
  name: string;
  decision: MacroDecision;
  reason: RejectReason | null;
  texts: MacroTexts;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
  updated_by_email: string | null;
}

const SELECT_MACRO = `SELECT m.id::int AS id, m.name, m.decision, m.reason, m.texts, m.archived_at,
       m.created_at, m.updated_at, u.email AS updated_by_email
  FROM macros m
  LEFT JOIN users u ON u.id = m.updated_by`;

/** Macros in use (or every one, archived last), by decision, reason and name. */
export function listMacros(db: Queryable, which: 'active' | 'all'): Promise<MacroRow[]> {
  return db.query<MacroRow>(
    `${SELECT_MACRO}
      WHERE $1::boolean OR m.archived_at IS NULL
      ORDER BY m.archived_at IS NOT NULL, m.decision DESC, m.reason NULLS FIRST, lower(m.name), m.id`,
    [which === 'all'],
  );
}

export async function findMacro(db: Queryable, id: number): Promise<MacroRow | undefined> {
  const [row] = await db.query<MacroRow>(`${SELECT_MACRO} WHERE m.id = $1`, [id]);
  return row;
}

export async function insertMacro(db: Queryable, macro: MacroInput, by: number): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO macros (name, decision, reason, texts, updated_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING id::int AS id`,
    [macro.name, macro.fills.decision, macro.fills.reason, JSON.stringify(macro.texts), by],
  );
  return row!.id;
}

/** Changes a macro's name, decision and texts; false when there is no such macro. */
export async function updateMacro(
  db: Queryable,
  id: number,
  macro: MacroInput,
  by: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE macros SET name = $2, decision = $3, reason = $4, texts = $5, updated_by = $6, updated_at = now()
      WHERE id = $1 RETURNING id`,
    [id, macro.name, macro.fills.decision, macro.fills.reason, JSON.stringify(macro.texts), by],
  );
  return rows.length > 0;
}

/** Archives or restores a macro; false when it is already so (or does not exist). */
export async function setArchived(
  db: Queryable,
  id: number,
  archived: boolean,
  by: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE macros
        SET archived_at = CASE WHEN $2::boolean THEN now() ELSE NULL END, updated_by = $3, updated_at = now()
      WHERE id = $1 AND (archived_at IS NOT NULL) <> $2::boolean
      RETURNING id`,
    [id, archived, by],
  );
  return rows.length > 0;
}
