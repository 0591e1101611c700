import { sql, type Kysely } from 'kysely';

/**
 * Undelivered mail, visible on the case (issue 12 §6). Frozen: never edit, add a new file.
 *
 * - `cases.undelivered` (0/1): the case has a message the outbox finally failed to deliver
 *   and staff have not resent (its context's `undelivered` is not empty). The case list's
 *   `undelivered=true` filter walks the partial index `cases_undelivered` in (created_at,
 *   id) order: few cases ever have one, and they take the only space in it. The query
 *   must say `undelivered = 1` literally for SQLite to use the partial index.
 * - `outbox.resent_at_attempt`: the attempt count when staff last resent the message (0:
 *   never). A resent message gets a new round of attempts, counted from there; the
 *   attempt numbers of `delivery_attempts` go on, so the earlier attempts stay recorded.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('undelivered', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('outbox').addColumn('resent_at_attempt', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createIndex('cases_undelivered')
    .on('cases')
    .columns(['created_at', 'id'])
    .where(sql<boolean>`undelivered = 1`)
    .execute();
}
