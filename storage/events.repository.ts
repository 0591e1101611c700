import { directStatement, type Executor } from './connection.js';
import type { EventRow } from './database.js';

const EVENT_COLUMNS = ['case_id', 'seq', 'type', 'payload', 'role', 'actor', 'occurred_at', 'recorded_at', 'prev_hash', 'hash'] as const satisfies readonly (keyof EventRow)[];
const INSERT_EVENT = `insert into "events" (${EVENT_COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${EVENT_COLUMNS.map(() => '?').join(', ')})`;

/** Appends one event. The primary key (case_id, seq) refuses a second event with the same seq. */
export async function insertEvent(db: Executor, row: EventRow): Promise<void> {
  const direct = directStatement(db, INSERT_EVENT);
  if (direct) {
    direct.run(...EVENT_COLUMNS.map((c) => row[c]));
    return;
  }
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
