import type { Executor } from './connection.js';
import type { TimerRow, TimerStatus } from './database.js';

export async function listTimersForCase(db: Executor, caseId: string): Promise<TimerRow[]> {
  return db.selectFrom('timers').selectAll().where('case_id', '=', caseId).orderBy('key').execute();
}

export async function insertTimer(db: Executor, row: TimerRow): Promise<void> {
  await db.insertInto('timers').values(row).execute();
}

export async function updateTimer(
  db: Executor,
  caseId: string,
  key: string,
  patch: { due_at?: string; status: TimerStatus; fired_at?: string | null; updated_at: string },
): Promise<void> {
  await db.updateTable('timers').set(patch).where('case_id', '=', caseId).where('key', '=', key).execute();
}

/** Scheduled timers due at or before `now`, earliest first. */
export async function listDueTimers(db: Executor, now: string, limit = 100): Promise<TimerRow[]> {
  return db
    .selectFrom('timers')
    .selectAll()
    .where('status', '=', 'scheduled')
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('case_id')
    .orderBy('key')
    .limit(limit)
    .execute();
}

/** The earliest `due_at` of a scheduled timer, if any. */
export async function nextTimerDueAt(db: Executor): Promise<string | undefined> {
  const r = await db
    .selectFrom('timers')
    .select((eb) => eb.fn.min('due_at').as('due'))
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  return (r?.due as string | null | undefined) ?? undefined;
}

/**
 * Claims a scheduled timer for firing: flips it to `fired` only if it is still scheduled
 * at the same `due_at`. Exactly one caller wins.
 */
export async function claimTimer(db: Executor, caseId: string, key: string, dueAt: string, firedAt: string): Promise<boolean> {
  const r = await db
    .updateTable('timers')
    .set({ status: 'fired', fired_at: firedAt, updated_at: firedAt })
    .where('case_id', '=', caseId)
    .where('key', '=', key)
    .where('status', '=', 'scheduled')
    .where('due_at', '=', dueAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Inserts many timers with multi-row statements (bulk loads, benchmarks). */
export async function insertTimers(db: Executor, rows: TimerRow[], rowsPerStatement = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    await db.insertInto('timers').values(rows.slice(i, i + rowsPerStatement)).execute();
  }
}
