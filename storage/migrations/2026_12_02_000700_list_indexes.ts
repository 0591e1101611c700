import { sql, type Kysely } from 'kysely';

/**
 * Indexes for `GET /cases` (issue 13 §2). Frozen: never edit, add a new file.
 *
 * The list is always in (created_at, id) order, a page at a time (keyset `after`). Before,
 * the list with no filter scanned every case and sorted them all (150–210 ms over 100,000
 * cases, a synchronous call that held the server); a filter on procedure, state or status
 * found its rows by an index but still sorted them. Each index here ends in (created_at,
 * id), so SQLite walks it in the list's order from `after` and stops at the end of the
 * page: no sort, whatever the number of cases. tests/storage/list-plans.test.ts checks the
 * plan of every filter and combination the route allows.
 *
 * - `cases_created (created_at, id)`: no filter, and the filters no other index serves.
 * - `cases_procedure_created`, `cases_procedure_state_created`, `cases_state_created`,
 *   `cases_status_created`: the equality filters, alone and together.
 * - `cases_due_created`: overdue / `dueBefore`, replacing `cases_overdue` (migration
 *   000200). That one is ordered by the due date, so the list sorted what it found (and
 *   with both, SQLite still picks it); this one (partial: only the cases with an open
 *   deadline, the active ones) is in list order and carries `next_due_at`, so the due test
 *   reads no table row that does not match.
 * - `cases_procedure_state` (initial) is a prefix of `cases_procedure_state_created` and
 *   goes. `cases_status_next_due` (initial) served no query (the overdue list does not
 *   filter on status) and made SQLite sort `status=` lists: it goes too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The replaced indexes first: the new ones reuse their pages instead of growing the file.
  await db.schema.dropIndex('cases_overdue').ifExists().execute();
  await db.schema.dropIndex('cases_procedure_state').ifExists().execute();
  await db.schema.dropIndex('cases_status_next_due').ifExists().execute();
  await db.schema.createIndex('cases_created').on('cases').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('cases_procedure_created').on('cases').columns(['procedure', 'created_at', 'id']).execute();
  await db.schema.createIndex('cases_procedure_state_created').on('cases').columns(['procedure', 'state', 'created_at', 'id']).execute();
  await db.schema.createIndex('cases_state_created').on('cases').columns(['state', 'created_at', 'id']).execute();
  await db.schema.createIndex('cases_status_created').on('cases').columns(['status', 'created_at', 'id']).execute();
  await db.schema
    .createIndex('cases_due_created')
    .on('cases')
    .columns(['created_at', 'id', 'next_due_at'])
    .where(sql.ref('next_due_at'), 'is not', null)
    .execute();
}
