import type { Transaction } from 'kysely';
import type { Database } from './database.js';

/**
 * Takes the database write lock at the start of a transaction (SQLite's `BEGIN IMMEDIATE`
 * semantics; Kysely begins deferred). A write statement locks when it starts, even if it
 * matches no row, so this portable no-op does it; the busy_timeout applies here. Without
 * it, a transaction that read first could fail to upgrade to a writer (SQLITE_BUSY_SNAPSHOT)
 * when another process wrote in between. On PostgreSQL it is a harmless no-op.
 */
export async function acquireWriteLock(trx: Transaction<Database>): Promise<void> {
  await trx.deleteFrom('idempotency_keys').where('key', '=', '').where('key', '<>', '').execute();
}
