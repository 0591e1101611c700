import { sql, type Kysely } from 'kysely';

/**
 * Back-dated events (issue 12, PROCEDURES.md "Time"). Frozen: never edit, add a new file.
 *
 * - `events.backdating_reason`: why a staff event was recorded more than the tolerance
 *   after it occurred (engine/backdating.ts). Part of the event's hash when present, so a
 *   reason cannot be added or changed afterwards; null for every older event.
 * - `cases.backdated`: 1 once any event of the case was back-dated beyond the tolerance
 *   (never cleared: the history keeps it). `cases_backdated_created` serves
 *   `GET /cases?backdated=true` (few cases: a partial index, oldest first).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('events').addColumn('backdating_reason', 'text').execute();
  await db.schema.alterTable('cases').addColumn('backdated', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createIndex('cases_backdated_created')
    .on('cases')
    .columns(['created_at', 'id'])
    .where(sql.ref('backdated'), '=', 1)
    .execute();
}
