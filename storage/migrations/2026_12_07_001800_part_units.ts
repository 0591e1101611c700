import { sql, type Kysely } from 'kysely';

/**
 * The units whose own part a case waits for (issue 18 §1, P6 п. 33). Frozen: never edit,
 * add a new file.
 *
 * - `cases.part_units`: the JSON array of the units (other than, or besides, the
 *   responsible `unit`) that still owe their part of the current step (P6: the co-units
 *   preparing materials); null: none. A unit user's queue and reads count a case of one of
 *   their units here as theirs (storage/repositories/cases.ts `listQuery`,
 *   server/read-access.ts).
 * - `cases_part_units_queue`: the cases waiting on a unit that await some unit's own part,
 *   oldest first. Partial: few cases ever have part units, and the queue's query must say
 *   `waiting_roles like '%,unit,%'` and `part_units is not null` literally for SQLite to use
 *   it; a unit user's queue then reads `cases_unit_queue` for its units' cases and this one
 *   for the cases awaiting its part (a MULTI-INDEX OR), never the whole table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('part_units', 'text').execute();
  await db.schema
    .createIndex('cases_part_units_queue')
    .on('cases')
    .columns(['created_at', 'id'])
    .where(sql<boolean>`waiting_roles like '%,unit,%' and part_units is not null`)
    .execute();
}
