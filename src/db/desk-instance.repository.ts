import type { Queryable } from './db.ts';

/** This database's own id (desk_instance, made by migration 0011), or undefined before the migrations. */
export async function findDeskInstanceId(db: Queryable): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>('SELECT id::text AS id FROM desk_instance');
  return row?.id;
}
