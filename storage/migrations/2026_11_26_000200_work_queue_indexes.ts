import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the work queues (measured by `npm run bench -- queues` on 1,000,000 cases).
 * Frozen: never edit, add a new file.
 *
 * - `cases_overdue`: the overdue list (`next_due_at <= now`, oldest first). The initial
 *   `cases_status_next_due (status, next_due_at)` cannot serve it: the list does not
 *   filter on status, so SQLite scanned the whole table. Partial: most cases (done ones)
 *   have no open deadline and take no space in it.
 * - `cases_waiting_created`: "my queue" (`waiting_roles` contains a role, oldest first).
 *   A substring test cannot use a B-tree, but only a few cases (the active ones) wait
 *   for anybody: the queue walks those in (created_at, id) order and stops at the end of
 *   the page, instead of scanning and sorting every case ever created; `waiting_roles`
 *   is in the index, so the role test reads no table row that does not match. The query
 *   must say `waiting_roles <> ',,'` literally for SQLite to use this partial index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('cases_overdue')
    .on('cases')
    .columns(['next_due_at', 'created_at', 'id'])
    .where(sql.ref('next_due_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('cases_waiting_created')
    .on('cases')
    .columns(['created_at', 'id', 'waiting_roles'])
    .where(sql<boolean>`waiting_roles <> ',,'`)
    .execute();
}
