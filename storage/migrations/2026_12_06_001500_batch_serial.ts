import type { Kysely } from 'kysely';
import { positionType } from './dialect.js';

/**
 * `ledger_head.batches` (issue 17): how many writing batches the database has committed.
 * Frozen: never edit, add a new file.
 *
 * On PostgreSQL every batch of every process increments it with the write lock it takes
 * first (storage/postgres/postgres-storage.ts `WRITE_LOCK`), so a process whose batch gets
 * n and whose previous committed batch got n − 1 knows that no other process committed in
 * between: its cached cases are exact and need no read (engine/runner.ts `#current`). An
 * increment rolls back with its batch, so the count has no gaps. SQLite leaves it at 0 (one
 * process writes the file; its reads of a case cost no round trip).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('ledger_head')
    .addColumn('batches', positionType(db), (c) => c.notNull().defaultTo(0))
    .execute();
}

