import type { Queryable } from '../db/db.ts';

/** Instant recovery's switch (migration 0025): paused by the desk, resumed by an admin. */
export interface InstantRecoverySwitch {
  paused_at: Date | null;
  paused_sends: number | null;
  paused_limit: number | null;
  resumed_at: Date | null;
}

const SWITCH = `SELECT paused_at, paused_sends, paused_limit, resumed_at FROM desk_switches
  WHERE name = 'instant_recovery'`;

/** The switch, locked: automatic sends of concurrent batches count the hour one after another. */
export async function lockInstantRecoverySwitch(tx: Queryable): Promise<InstantRecoverySwitch> {
  const [row] = await tx.query<InstantRecoverySwitch>(`${SWITCH} FOR UPDATE`);
  return row!;
}

export async function readInstantRecoverySwitch(db: Queryable): Promise<InstantRecoverySwitch> {
  const [row] = await db.query<InstantRecoverySwitch>(SWITCH);
  return row!;
}

/**
 * Automatic sends in the last hour, or since the last resume if that is later (the sends that
 * paused it do not pause it again): the `code_sent` events of the actor `auto`, its own index.
 */
export async function countAutomaticSendsInHour(tx: Queryable, resumedAt: Date | null): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM request_events
      WHERE type = 'code_sent' AND actor = 'auto'
        AND created_at > greatest(now() - interval '1 hour', coalesce($1::timestamptz, '-infinity'))`,
    [resumedAt],
  );
  return row!.n;
}

/**
 * When a code for this purchase last went out in the last 30 days (automatically or by a person),
 * if one did: the history's `code_sent` events of the requests matched to it, this transaction's
 * included.
 */
export async function lastCodeSentFor(tx: Queryable, purchaseId: number): Promise<Date | null> {
  const [row] = await tx.query<{ at: Date | null }>(
    `SELECT max(e.created_at) AS at FROM match_results m
       JOIN request_events e ON e.request_id = m.request_id AND e.type = 'code_sent'
      WHERE m.purchase_id = $1 AND e.created_at > now() - interval '30 days'`,
    [purchaseId],
  );
  return row?.at ?? null;
}

export async function pauseInstantRecovery(tx: Queryable, sends: number, limit: number): Promise<Date> {
  const [row] = await tx.query<{ paused_at: Date }>(
    `UPDATE desk_switches SET paused_at = now(), paused_sends = $1, paused_limit = $2
      WHERE name = 'instant_recovery' RETURNING paused_at`,
    [sends, limit],
  );
  return row!.paused_at;
}

/** Clears a pause; the switch as it was, or undefined when it was not paused. */
export async function resumeInstantRecovery(
  tx: Queryable,
  userId: number,
): Promise<InstantRecoverySwitch | undefined> {
  const [row] = await tx.query<InstantRecoverySwitch>(
    `UPDATE desk_switches s SET paused_at = NULL, resumed_at = now(), resumed_by = $1
       FROM (SELECT * FROM desk_switches WHERE name = 'instant_recovery' FOR UPDATE) before
      WHERE s.name = before.name AND before.paused_at IS NOT NULL
      RETURNING before.paused_at, before.paused_sends, before.paused_limit, before.resumed_at`,
    [userId],
  );
  return row;
}
