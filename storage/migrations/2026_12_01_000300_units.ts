import { sql, type Kysely } from 'kysely';

/**
 * Queues per unit and per person: the case's responsible unit and the person of the unit
 * who took it (the machine context's `unit` and `assignee`, copied by the engine at every
 * step). Frozen: never edit, add a new file.
 *
 * - `cases_unit_queue`: a unit user's "my queue" (`waiting_roles` holds `unit`, the case's
 *   unit is one of theirs, taken by nobody or by them; oldest first). Partial: only the
 *   cases waiting on a unit are in it, and the query must say `waiting_roles like
 *   '%,unit,%'` literally for SQLite to use it; with one unit the entries come in page
 *   order, and `assignee` is in the index so no table row is read that does not match.
 * - Existing open cases get their unit and assignee from their context (done ones wait on
 *   nobody and keep null). The portable way: read, then update row by row, in pages.
 * - P3 cases stop waiting on the chairman: `extend` (the chairman's only P3 event) became
 *   an optional event, which puts no case in a queue; a case's `waiting_roles` is
 *   recomputed anyway at its next step.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('unit', 'text').execute();
  await db.schema.alterTable('cases').addColumn('assignee', 'text').execute();

  const PAGE = 1000;
  let after = '';
  for (;;) {
    const rows = (await db
      .selectFrom('cases')
      .select(['id', 'context'])
      .where('status', '=', 'active')
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute()) as { id: string; context: string }[];
    for (const row of rows) {
      const context = JSON.parse(row.context) as { unit?: unknown; assignee?: unknown };
      const unit = typeof context.unit === 'string' ? context.unit : null;
      const assignee = typeof context.assignee === 'string' ? context.assignee : null;
      if (unit !== null || assignee !== null) await db.updateTable('cases').set({ unit, assignee }).where('id', '=', row.id).execute();
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.id;
  }
  await db
    .updateTable('cases')
    .set({ waiting_roles: sql`replace(waiting_roles, ',chairman,', ',')` })
    .where('procedure', '=', 'feedback-inquiry')
    .where('waiting_roles', 'like', '%,chairman,%')
    .execute();

  await db.schema
    .createIndex('cases_unit_queue')
    .on('cases')
    .columns(['unit', 'created_at', 'id', 'assignee'])
    .where(sql<boolean>`waiting_roles like '%,unit,%'`)
    .execute();
}
