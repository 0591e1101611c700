import type { Executor } from './connection.js';
import type { EventRow } from './database.js';

/** Appends one event. The primary key (case_id, seq) refuses a second event with the same seq. */
export async function insertEvent(db: Executor, row: EventRow): Promise<void> {
  await db.insertInto('events').values(row).execute();
}

/** The events of a case in order, optionally only up to `uptoSeq`. */
export async function listEvents(db: Executor, caseId: string, uptoSeq?: number): Promise<EventRow[]> {
  let q = db.selectFrom('events').selectAll().where('case_id', '=', caseId);
  if (uptoSeq !== undefined) q = q.where('seq', '<=', uptoSeq);
  return q.orderBy('seq').execute();
}

export async function countEvents(db: Executor, caseId: string): Promise<number> {
  const r = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
